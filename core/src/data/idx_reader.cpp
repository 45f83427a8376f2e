// SPDX-License-Identifier: GPL-3.0-or-later
// Reader of the IDX format (Y. LeCun's MNIST layout, also used by Fashion-MNIST): a big-endian
// magic word 0x0000TTDD (TT = 0x08 unsigned bytes, DD = rank), DD big-endian uint32 dimensions,
// then the row-major data. Files may be gzip-compressed, as Debian ships them.
#include "nnb/data/dataset.h"

#include <array>
#include <cstdio>
#include <memory>

#include <zlib.h>

namespace nnb::data {
namespace {

struct GzCloser {
    void operator()(gzFile f) const { gzclose(f); }
};

/// Reads a whole file, transparently decompressing gzip (zlib's gzread passes plain files
/// through unchanged, which is exactly the "either may be compressed" contract).
Expected<std::vector<uint8_t>> readMaybeGzipped(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(Errc::Io, "cannot open '" + path.string() + "': no such file");
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    if (!file)
        return makeError(Errc::Io, "cannot open '" + path.string() + "'");
    std::vector<uint8_t> bytes;
    std::array<uint8_t, 1 << 16> chunk{};
    for (;;) {
        const int n = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
        if (n < 0) {
            int code = 0;
            const char* msg = gzerror(file.get(), &code);
            return makeError(Errc::Io, "cannot read '" + path.string() + "': " + (msg ? msg : "decompression failed") +
                                           " (the file is corrupt or truncated)");
        }
        if (n == 0)
            break;
        bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    }
    return bytes;
}

uint32_t bigEndian32(const uint8_t* p)
{
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

struct IdxArray {
    std::vector<uint32_t> dims;
    std::vector<uint8_t> data;
};

Expected<IdxArray> parseIdx(const std::filesystem::path& path, uint32_t expectedRank)
{
    NNB_TRY(auto bytes, readMaybeGzipped(path));
    const std::string where = "'" + path.string() + "'";
    if (bytes.size() < 4)
        return makeError(Errc::Io, where + " is too short to be an IDX file");
    const uint32_t magic = bigEndian32(bytes.data());
    const uint32_t expectedMagic = 0x0800u | expectedRank;
    if (magic != expectedMagic) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "0x%08x (expected 0x%08x)", magic, expectedMagic);
        return makeError(Errc::Io, where + " has IDX magic " + buf +
                                       "; give the unsigned-byte IDX file of the right kind (images or labels)");
    }
    const size_t header = 4 + 4 * size_t{expectedRank};
    if (bytes.size() < header)
        return makeError(Errc::Io, where + " is truncated inside its header");
    IdxArray array;
    uint64_t count = 1;
    for (uint32_t k = 0; k < expectedRank; ++k) {
        array.dims.push_back(bigEndian32(bytes.data() + 4 + 4 * k));
        count *= array.dims.back();
    }
    if (bytes.size() - header != count)
        return makeError(Errc::Io, where + " holds " + std::to_string(bytes.size() - header) + " data bytes but its header announces " +
                                       std::to_string(count) + "; the file is truncated or corrupt");
    array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return array;
}

} // namespace

ir::Tensor Dataset::batch(int64_t begin, int64_t end) const
{
    const int64_t n = end - begin;
    const int64_t pixelsPerImage = int64_t{rows} * cols;
    std::vector<float> values(static_cast<size_t>(n * pixelsPerImage));
    const uint8_t* src = pixels.data() + begin * pixelsPerImage;
    for (size_t k = 0; k < values.size(); ++k)
        values[k] = static_cast<float>(src[k]) / 255.0f;
    return ir::Tensor::fromData({n, 1, rows, cols}, std::move(values));
}

Expected<Dataset> loadIdx(const std::filesystem::path& images, const std::filesystem::path& labels)
{
    NNB_TRY(auto imageArray, parseIdx(images, 3));
    NNB_TRY(auto labelArray, parseIdx(labels, 1));
    if (imageArray.dims[0] != labelArray.dims[0])
        return makeError(Errc::Io, "'" + images.string() + "' holds " + std::to_string(imageArray.dims[0]) + " images but '" +
                                       labels.string() + "' holds " + std::to_string(labelArray.dims[0]) + " labels");
    Dataset set;
    set.count = imageArray.dims[0];
    set.rows = static_cast<int>(imageArray.dims[1]);
    set.cols = static_cast<int>(imageArray.dims[2]);
    set.pixels = std::move(imageArray.data);
    set.labels = std::move(labelArray.data);
    set.source = images.parent_path().string();
    return set;
}

namespace {

Expected<Dataset> loadSplit(const std::filesystem::path& directory, const std::string& prefix)
{
    auto pick = [&](const std::string& stem) {
        const auto gz = directory / (stem + ".gz");
        return std::filesystem::exists(gz) ? gz : directory / stem;
    };
    auto set = loadIdx(pick(prefix + "-images-idx3-ubyte"), pick(prefix + "-labels-idx1-ubyte"));
    if (!set)
        set.error().message += " (Fashion-MNIST is installed by Debian's dataset-fashion-mnist package)";
    return set;
}

} // namespace

Expected<Dataset> loadFashionMnistTest(const std::filesystem::path& directory) { return loadSplit(directory, "t10k"); }

Expected<Dataset> loadFashionMnistTrain(const std::filesystem::path& directory) { return loadSplit(directory, "train"); }

} // namespace nnb::data
