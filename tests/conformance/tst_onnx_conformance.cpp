// SPDX-License-Identifier: GPL-3.0-or-later
// ONNX backend conformance: every node test of Debian's libonnx-testdata
// (<dir>/test_*/model.onnx + test_data_set_0/{input,output}_N.pb) is imported and executed by the
// float reference executor, and each output is compared with the expected one.
//
// Principled skips, and only these:
//  - the importer refuses the model (nnbridge does not support what it uses; the reason is the
//    importer's own message);
//  - a runtime input or an expected output is not float32 (nnbridge computes in float32 only).
//    Int64 inputs are first bound as constants through ImportOptions::bindInputs, which is what
//    a user does with a shape-like input, because nnbridge compiles static shapes.
// Everything else runs, and a run that errors or mismatches is a failure: an executor bug to fix,
// or a semantics the importer must refuse instead of accepting.
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "nnb/exec/executor.h"
#include "nnb/onnx/import.h"
#include "test_paths.h"

using namespace nnb;
namespace fs = std::filesystem;

namespace {

enum class Status { Pass, Fail, Skip };

struct Outcome {
    std::string test;
    Status status = Status::Pass;
    std::string reason;
};

/// The importer's message cut to its first sentence (the rest says what to do about it), and
/// to a bounded length. The message carries no file path (that is in the error's context).
std::string shorten(const std::string& message, size_t maxLength = 110)
{
    std::string s = message.substr(0, message.find('\n'));
    if (const size_t end = s.find(". "); end != std::string::npos)
        s = s.substr(0, end);
    if (s.size() > maxLength)
        s = s.substr(0, maxLength - 3) + "...";
    return s;
}

/// Skip reasons are grouped without the opset detail, so "op 'Cast' (opset 13)" and
/// "op 'Cast' (opset 17)" count together.
std::string groupKey(const std::string& reason)
{
    static const std::regex opset(R"( \(opset \d+\))");
    return std::regex_replace(reason, opset, "");
}

/// |got - want| <= 1e-5 + 1e-4 |want| (tighter than the ONNX backend runner's default rtol of
/// 1e-3: every op here is computed in float32 like the reference); NaN must match NaN and an
/// infinity the same infinity.
bool matches(float got, float want)
{
    if (std::isnan(want))
        return std::isnan(got);
    if (std::isinf(want))
        return got == want;
    return std::isfinite(got) && std::fabs(got - want) <= 1e-5f + 1e-4f * std::fabs(want);
}

/// Reads <dir>/<prefix>_0.pb, <prefix>_1.pb, ... in index order (not lexicographic order).
std::vector<std::pair<fs::path, Expected<onnx::NamedTensor>>> readIndexed(
    const fs::path& dir, const std::string& prefix)
{
    std::vector<std::pair<fs::path, Expected<onnx::NamedTensor>>> tensors;
    for (int k = 0;; ++k) {
        const fs::path file = dir / (prefix + "_" + std::to_string(k) + ".pb");
        if (!fs::exists(file))
            break;
        tensors.emplace_back(file, onnx::readTensorFile(file));
    }
    return tensors;
}

Outcome runTest(const fs::path& testDir)
{
    Outcome out{testDir.filename().string(), Status::Pass, {}};
    const auto skip = [&](std::string reason) {
        out.status = Status::Skip;
        out.reason = std::move(reason);
        return out;
    };
    const auto fail = [&](std::string reason) {
        out.status = Status::Fail;
        out.reason = std::move(reason);
        return out;
    };

    const fs::path dataDir = testDir / "test_data_set_0";
    if (!fs::is_directory(dataDir) || !fs::exists(testDir / "model.onnx"))
        return fail("no model.onnx or test_data_set_0");
    const auto inputs = readIndexed(dataDir, "input");
    const auto outputs = readIndexed(dataDir, "output");

    // Int64 inputs are shape-like operands: freeze them into the model.
    onnx::ImportOptions options;
    for (const auto& [file, tensor] : inputs)
        if (tensor && tensor->tensor.dtype == ir::DataType::Int64)
            options.bindInputs[tensor->name] = tensor->tensor;
    auto model = onnx::importModel(testDir / "model.onnx", options);
    if (!model)
        return skip("import: " + shorten(model.error().message));
    const ir::Graph& graph = model->graph;

    // Feed the graph's runtime inputs by name.
    std::vector<ir::Tensor> feeds;
    for (ir::ValueId id : graph.inputs()) {
        const std::string& name = graph.value(id).name;
        const auto it = std::find_if(inputs.begin(), inputs.end(),
            [&](const auto& entry) { return entry.second && entry.second->name == name; });
        if (it == inputs.end()) {
            // An input whose file could not be read (an element type nnbridge does not have).
            for (const auto& [file, tensor] : inputs)
                if (!tensor)
                    return skip("input is not float32: " + shorten(tensor.error().message));
            return fail("no test data for graph input '" + name + "'");
        }
        if (it->second->tensor.dtype != ir::DataType::Float32)
            return skip("input is not float32: int64 input left unbound");
        feeds.push_back(it->second->tensor);
    }
    for (const auto& [file, tensor] : outputs) {
        if (!tensor)
            return skip("output is not float32: " + shorten(tensor.error().message));
        if (tensor->tensor.dtype != ir::DataType::Float32)
            return skip("output is not float32: int64");
    }
    if (outputs.size() != graph.outputs().size())
        return fail("the graph has " + std::to_string(graph.outputs().size())
            + " outputs but the test data " + std::to_string(outputs.size()));

    const exec::Executor executor(std::make_shared<const ir::Graph>(graph), {/*threads=*/1});
    const auto results = executor.run(feeds);
    if (!results)
        return fail("run: " + results.error().toString());

    for (size_t k = 0; k < outputs.size(); ++k) {
        const ir::Tensor& want = outputs[k].second->tensor;
        const ir::Tensor& got = (*results)[k];
        const std::string which = "output '" + outputs[k].second->name + "'";
        if (got.dtype != ir::DataType::Float32 || got.shape != want.shape)
            return fail(which + " has shape " + ir::shapeToString(got.shape) + ", expected "
                + ir::shapeToString(want.shape));
        size_t bad = 0;
        std::optional<size_t> first;
        for (size_t e = 0; e < want.f.size(); ++e) {
            if (!matches(got.f[e], want.f[e])) {
                ++bad;
                if (!first)
                    first = e;
            }
        }
        if (bad > 0) {
            std::ostringstream s;
            s.precision(9);
            s << which << ": " << bad << " of " << want.f.size() << " elements differ, first at "
              << *first << ": got " << got.f[*first] << ", expected " << want.f[*first];
            return fail(s.str());
        }
    }
    return out;
}

const char* statusName(Status s)
{
    switch (s) {
    case Status::Pass: return "PASS";
    case Status::Fail: return "FAIL";
    case Status::Skip: return "SKIP";
    }
    return "?";
}

} // namespace

class TestOnnxConformance : public QObject {
    Q_OBJECT

private slots:
    void nodeTests();
};

void TestOnnxConformance::nodeTests()
{
    const fs::path root = NNB_ONNX_TESTDATA_DIR;
    if (!fs::is_directory(root))
        QSKIP(("ONNX node test data not found at " + root.string()
            + " (install Debian's libonnx-testdata or set NNB_ONNX_TESTDATA_DIR)")
                  .c_str());
    // NNB_CONFORMANCE_FILTER=substring runs a subset, for debugging one op.
    const QByteArray filter = qgetenv("NNB_CONFORMANCE_FILTER");

    std::vector<fs::path> dirs;
    for (const auto& entry : fs::directory_iterator(root))
        if (entry.is_directory() && entry.path().filename().string().rfind("test_", 0) == 0
            && (filter.isEmpty()
                || entry.path().filename().string().find(filter.toStdString())
                    != std::string::npos))
            dirs.push_back(entry.path());
    std::sort(dirs.begin(), dirs.end());
    QVERIFY2(!dirs.empty(), ("no test_* directories in " + root.string()).c_str());

    const auto start = std::chrono::steady_clock::now();
    std::vector<Outcome> outcomes;
    outcomes.reserve(dirs.size());
    for (const fs::path& dir : dirs)
        outcomes.push_back(runTest(dir));
    const auto seconds
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    int passed = 0;
    int failed = 0;
    int skipped = 0;
    std::map<std::string, int> skipReasons;
    std::ostringstream report;
    for (const Outcome& o : outcomes) {
        report << statusName(o.status) << ' ' << o.test;
        if (!o.reason.empty())
            report << ": " << o.reason;
        report << '\n';
        switch (o.status) {
        case Status::Pass: ++passed; break;
        case Status::Fail: ++failed; break;
        case Status::Skip:
            ++skipped;
            ++skipReasons[groupKey(o.reason)];
            break;
        }
    }
    const int ran = passed + failed;
    report << "conformance: " << ran << " ran, " << passed << " passed, " << failed << " failed, "
           << skipped << " skipped (" << static_cast<int>(seconds * 1000) << " ms)\n";
    std::vector<std::pair<std::string, int>> reasons(skipReasons.begin(), skipReasons.end());
    std::stable_sort(reasons.begin(), reasons.end(),
        [](const auto& a, const auto& b) { return a.second > b.second; });
    report << "skip reasons:\n";
    for (const auto& [reason, count] : reasons)
        report << "  " << count << "  " << reason << '\n';

    const std::string text = report.str();
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    std::ofstream(NNB_CONFORMANCE_REPORT) << text;

    QVERIFY2(failed == 0,
        (std::to_string(failed) + " conformance tests failed; see "
            + std::string(NNB_CONFORMANCE_REPORT))
            .c_str());
    // The floor only applies to the full suite, not a filtered debugging run.
    if (filter.isEmpty())
        QVERIFY2(passed >= 90,
            ("only " + std::to_string(passed) + " conformance tests passed (90 required)").c_str());
}

QTEST_APPLESS_MAIN(TestOnnxConformance)
#include "tst_onnx_conformance.moc"
