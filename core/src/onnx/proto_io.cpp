// SPDX-License-Identifier: GPL-3.0-or-later
#include "proto_io.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include "import_error.h"

namespace nnb::onnx::detail {
namespace {

/// Protobuf's parsers take int sizes, and the wire format cannot address more than 2 GiB.
constexpr uint64_t kMaxProtoBytes = INT_MAX;

tl::unexpected<Error> tooLarge(uint64_t size)
{
    return unsupported("the file has " + std::to_string(size)
        + " bytes, more than the 2 GiB a protobuf message can hold; larger ONNX models keep their "
          "weights in external data, which nnbridge does not support");
}

/// True when \p bytes start like text, not binary protobuf: a hint worth giving, because
/// renaming a text model to .onnx is an easy mistake.
bool looksLikeText(std::string_view bytes)
{
    const std::string_view head = bytes.substr(0, 256);
    return std::all_of(head.begin(), head.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u == '\n' || u == '\r' || u == '\t' || (u >= 0x20 && u < 0x7f);
    });
}

/// Keeps the first syntax error of a text parse (protobuf would print it to stderr otherwise).
class FirstErrorCollector final : public google::protobuf::io::ErrorCollector {
public:
    void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override
    {
        if (m_message.empty())
            m_message = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": " + message;
    }
    void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override { }
    const std::string& message() const { return m_message; }

private:
    std::string m_message;
};

} // namespace

Expected<std::string> readFileBytes(const std::filesystem::path& path)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    // status() reports a missing file both as not_found and through ec; say it plainly.
    if (status.type() == std::filesystem::file_type::not_found)
        return makeError(Errc::Io, "cannot read the file: it does not exist");
    if (ec)
        return makeError(Errc::Io, "cannot read the file: " + ec.message());
    if (!std::filesystem::is_regular_file(status))
        return makeError(Errc::Io, "cannot read the file: it is not a regular file");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        return makeError(Errc::Io, "cannot read the file: " + ec.message());
    if (size > kMaxProtoBytes)
        return tooLarge(size);

    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(Errc::Io, std::string("cannot open the file: ") + std::strerror(errno));
    std::string bytes(static_cast<size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (static_cast<uint64_t>(in.gcount()) != size)
        return makeError(Errc::Io,
            "cannot read the file: it ended after " + std::to_string(in.gcount()) + " of " + std::to_string(size)
                + " bytes");
    return bytes;
}

Expected<void> parseBinary(std::string_view bytes, google::protobuf::Message& message, std::string_view what)
{
    if (bytes.empty())
        return invalidModel("the file is empty; it is not " + std::string(what));
    if (bytes.size() > kMaxProtoBytes)
        return tooLarge(bytes.size());
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        std::string text = "the file cannot be parsed as " + std::string(what)
            + " (binary protobuf); it is truncated, damaged or not " + std::string(what);
        if (looksLikeText(bytes))
            text += ". It looks like text: protobuf text models are read from files named *.onnxtxt";
        return invalidModel(std::move(text));
    }
    return {};
}

Expected<void> parseText(std::string_view text, google::protobuf::Message& message)
{
    if (text.size() > kMaxProtoBytes)
        return tooLarge(text.size());
    google::protobuf::io::ArrayInputStream stream(text.data(), static_cast<int>(text.size()));
    google::protobuf::TextFormat::Parser parser;
    FirstErrorCollector errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.Parse(&stream, &message))
        return invalidModel("the text cannot be parsed as a protobuf text-format model: "
            + (errors.message().empty() ? std::string("syntax error") : errors.message()));
    return {};
}

} // namespace nnb::onnx::detail
