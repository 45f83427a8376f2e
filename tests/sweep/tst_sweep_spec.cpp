// SPDX-License-Identifier: GPL-3.0-or-later
// Sweep specs: reading, errors that name the key and line and say what to write, ranges, the
// grid's cartesian product, and the Pareto front on hand-made points.
#include <QtTest>

#include "nnb/sweep/sweep.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::sweep;

namespace {

std::string modelPath() { return (test::resourceDir() / "models" / "mlp.onnx").string(); }

Expected<SweepSpec> parse(const std::string& body)
{
    const std::string yaml = "model: " + modelPath() + "\nprofile: prime\n" + body;
    return parseSweepSpec(yaml, "/nonexistent/spec.yaml", SpecReadOptions{test::profileDir()});
}

PointResult point(int index, double x, double error, bool feasible = true)
{
    PointResult r;
    r.point.index = index;
    r.feasible = feasible;
    r.crossbars = static_cast<int64_t>(x);
    r.accuracyPercent = 100.0 - error;
    return r;
}

} // namespace

class TestSweepSpec : public QObject {
    Q_OBJECT

private slots:
    void readsAFullSpec()
    {
        const auto spec = parse("name: bits-x-size\n"
                                "set:\n  signals.input_bits: 8\n"
                                "strategy_set:\n  quantization.granularity: per_tensor\n"
                                "parameters:\n"
                                "  - name: weight bits\n    key: weights.bits\n    range: 2..8 step 2\n"
                                "  - name: crossbar\n    keys: [crossbar.rows, crossbar.cols]\n    range: {from: 64, to: 256, factor: 2}\n"
                                "  - key: quantization.weights\n    values: [uniform, ternary]\n"
                                "evaluation:\n  data: sample\n  test_images: 200\n  calibration_images: 32\n  seed: 7\n  tune: false\n"
                                "mapping:\n  placer: sequential\n  grow_mesh: true\n"
                                "pareto: [energy_pj, accuracy_drop]\n");
        QVERIFY2(spec.has_value(), spec ? "" : spec.error().toString().c_str());
        QCOMPARE(spec->name, std::string("bits-x-size"));
        QCOMPARE(spec->profilePath, test::profileDir() / "prime.yaml");
        QCOMPARE(spec->profileOverrides, std::vector<std::string>{"signals.input_bits=8"});
        QCOMPARE(spec->strategyOverrides, std::vector<std::string>{"quantization.granularity=per_tensor"});
        QCOMPARE(spec->parameters.size(), size_t{3});
        QCOMPARE(spec->parameters[0].values, (std::vector<std::string>{"2", "4", "6", "8"}));
        QCOMPARE(spec->parameters[1].values, (std::vector<std::string>{"64", "128", "256"}));
        QCOMPARE(spec->parameters[1].keys.size(), size_t{2});
        QCOMPARE(spec->parameters[2].name, std::string("quantization.weights"));
        QCOMPARE(spec->testImages, int64_t{200});
        QCOMPARE(spec->calibrationImages, 32);
        QCOMPARE(spec->seed, uint64_t{7});
        QCOMPARE(spec->placer, mapping::Placer::Sequential);
        QVERIFY(spec->growMesh);
        QCOMPARE(spec->paretoX, Metric::EnergyPj);
        QCOMPARE(spec->paretoY, Metric::AccuracyDrop);
    }

    void shippedExampleReads()
    {
        const auto spec = readSweepSpec(test::resourceDir() / "sweeps" / "mlp_bits_crossbar.yaml", {test::profileDir()});
        QVERIFY2(spec.has_value(), spec ? "" : spec.error().toString().c_str());
        QCOMPARE(spec->parameters.size(), size_t{2});
        const auto grid = expandGrid(*spec);
        QVERIFY(grid.has_value());
        QVERIFY(grid->size() >= 4);
    }

    void unknownKeyIsNamedWithItsLine()
    {
        const auto spec = parse("parameters:\n  - key: weights.bits\n    values: [4]\nevalution:\n  test_images: 5\n");
        QVERIFY(!spec);
        const std::string m = spec.error().toString();
        QVERIFY2(m.find("spec.yaml") != std::string::npos, m.c_str());
        QVERIFY2(m.find("evalution") != std::string::npos, m.c_str());
        QVERIFY2(m.find("line 6") != std::string::npos, m.c_str());
        QVERIFY2(m.find("known") != std::string::npos && m.find("evaluation") != std::string::npos, m.c_str());

        const auto inParam = parse("parameters:\n  - key: weights.bits\n    valuse: [4]\n");
        QVERIFY(!inParam);
        const std::string p = inParam.error().toString();
        QVERIFY2(p.find("parameters[0]") != std::string::npos && p.find("line 5") != std::string::npos, p.c_str());
    }

    void badRangeSaysWhatToWrite()
    {
        const auto spec = parse("parameters:\n  - key: weights.bits\n    range: 8..2\n");
        QVERIFY(!spec);
        const std::string m = spec.error().toString();
        QVERIFY2(m.find("parameters[0].range") != std::string::npos, m.c_str());
        QVERIFY2(m.find("line 5") != std::string::npos, m.c_str());
        QVERIFY2(m.find("'2..8 step 2'") != std::string::npos, m.c_str());
        for (const char* bad : {"2-8", "2..8 step 0", "2..8 x1", "0..8 x2", "a..b", "2..8 every 2"})
            QVERIFY2(!expandRange(bad), bad);
    }

    void sectionOfAKeyIsChecked()
    {
        const auto spec = parse("parameters:\n  - key: crossbar_rows\n    values: [64]\n");
        QVERIFY(!spec);
        const std::string m = spec.error().toString();
        QVERIFY2(m.find("crossbar_rows") != std::string::npos && m.find("neither a profile key") != std::string::npos, m.c_str());
        QCOMPARE(targetOf("crossbar.rows"), std::optional<Target>(Target::Profile));
        QCOMPARE(targetOf("quantization.weights"), std::optional<Target>(Target::Strategy));
        QVERIFY(!targetOf("sweep.points"));
    }

    void missingFilesAreNamed()
    {
        const auto model = parseSweepSpec("model: nowhere.onnx\nparameters:\n  - {key: weights.bits, values: [4]}\n",
                                          "/nonexistent/spec.yaml", {test::profileDir()});
        QVERIFY(!model);
        QVERIFY2(model.error().message.find("nowhere.onnx") != std::string::npos, model.error().message.c_str());
        const auto profile = parse("parameters:\n  - {key: weights.bits, values: [4]}\n");
        QVERIFY(profile.has_value());
        const auto wrongProfile = parseSweepSpec("model: " + modelPath() + "\nprofile: prim\nparameters:\n  - {key: weights.bits, values: [4]}\n",
                                                 "/nonexistent/spec.yaml", {test::profileDir()});
        QVERIFY(!wrongProfile);
        const std::string m = wrongProfile.error().message;
        QVERIFY2(m.find("prim'") != std::string::npos && m.find("tianji") != std::string::npos, m.c_str());
        QVERIFY(!readSweepSpec("/nonexistent/sweep.yaml", {test::profileDir()}));
    }

    void rangesExpand()
    {
        QCOMPARE(*expandRange("2..8"), (std::vector<std::string>{"2", "3", "4", "5", "6", "7", "8"}));
        QCOMPARE(*expandRange("2..9 step 3"), (std::vector<std::string>{"2", "5", "8"}));
        QCOMPARE(*expandRange("64..256 x2"), (std::vector<std::string>{"64", "128", "256"}));
        QCOMPARE(*expandRange("64..300 *2"), (std::vector<std::string>{"64", "128", "256"}));
        QCOMPARE(*expandRange("0.1..0.3 step 0.1"), (std::vector<std::string>{"0.1", "0.2", "0.3"}));
        QCOMPARE(*expandRange("5..5"), std::vector<std::string>{"5"});
        const auto huge = expandRange("1..1000000000");
        QVERIFY(!huge);
        QVERIFY2(huge.error().message.find("larger step") != std::string::npos, huge.error().message.c_str());
    }

    void gridIsTheCartesianProduct()
    {
        SweepSpec spec;
        spec.parameters = {Parameter{"bits", {"weights.bits"}, {"2", "4", "8"}, 1},
                           Parameter{"size", {"crossbar.rows", "crossbar.cols"}, {"64", "128"}, 2},
                           Parameter{"scheme", {"quantization.weights"}, {"uniform"}, 3}};
        const auto grid = expandGrid(spec);
        QVERIFY(grid.has_value());
        QCOMPARE(grid->size(), size_t{6});
        // Row-major: the last parameter varies fastest.
        QCOMPARE((*grid)[1].values, (std::vector<std::string>{"2", "128", "uniform"}));
        QCOMPARE((*grid)[2].values, (std::vector<std::string>{"4", "64", "uniform"}));
        QCOMPARE((*grid)[5].index, 5);
        QCOMPARE((*grid)[5].profileOverrides,
                 (std::vector<std::string>{"weights.bits=8", "crossbar.rows=128", "crossbar.cols=128"}));
        QCOMPARE((*grid)[5].strategyOverrides, std::vector<std::string>{"quantization.weights=uniform"});
        QCOMPARE((*grid)[5].label, std::string("bits=8, size=128, scheme=uniform"));
    }

    void emptyOrAbsurdGridIsRefused()
    {
        SweepSpec spec;
        const auto none = expandGrid(spec);
        QVERIFY(!none);
        QVERIFY2(none.error().message.find("no parameters") != std::string::npos, none.error().message.c_str());
        spec.parameters = {Parameter{"bits", {"weights.bits"}, {}, 1}};
        QVERIFY(!expandGrid(spec));
        spec.maxPoints = 100;
        spec.parameters = {Parameter{"a", {"weights.bits"}, *expandRange("1..20"), 1},
                           Parameter{"b", {"crossbar.rows"}, *expandRange("1..20"), 2}};
        const auto big = expandGrid(spec);
        QVERIFY(!big);
        QVERIFY2(big.error().message.find("20 x 20 = 400") != std::string::npos &&
                     big.error().message.find("max_points") != std::string::npos,
                 big.error().message.c_str());
        const auto fromFile = parse("max_points: 10\nparameters:\n  - {key: weights.bits, range: 1..4}\n"
                                    "  - {key: crossbar.rows, range: 1..4}\n");
        QVERIFY(!fromFile);
        QVERIFY2(fromFile.error().toString().find("16 points") != std::string::npos, fromFile.error().toString().c_str());
    }

    void paretoFrontOnHandMadePoints()
    {
        // (crossbars, error %): 0 (10, 9) 1 (20, 5) 2 (20, 7: dominated by 1) 3 (40, 5: dominated
        // by 1) 4 (40, 2) 5 (10, 9: a tie with 0, kept) 6 (5, 1 but infeasible) 7 (80, 2: dominated by 4).
        std::vector<PointResult> points{point(0, 10, 9), point(1, 20, 5), point(2, 20, 7), point(3, 40, 5),
                                        point(4, 40, 2), point(5, 10, 9), point(6, 5, 1, false), point(7, 80, 2)};
        QCOMPARE(paretoFront(points, Metric::Crossbars, Metric::ErrorPercent), (std::vector<size_t>{0, 5, 1, 4}));
        // Swapped axes: minimising error first.
        QCOMPARE(paretoFront(points, Metric::ErrorPercent, Metric::Crossbars), (std::vector<size_t>{4, 1, 0, 5}));
        // A point without the metric is never on the front; an empty set has an empty front.
        QVERIFY(paretoFront(points, Metric::EnergyPj, Metric::ErrorPercent).empty());
        QVERIFY(paretoFront({}, Metric::Crossbars, Metric::ErrorPercent).empty());
        QCOMPARE(paretoFront({point(3, 1, 1)}, Metric::Crossbars, Metric::ErrorPercent), std::vector<size_t>{0});
    }

    void metricsHaveNames()
    {
        for (Metric m : {Metric::ErrorPercent, Metric::AccuracyDrop, Metric::Crossbars, Metric::Tiles, Metric::EnergyPj,
                         Metric::LatencyNs})
            QCOMPARE(parseMetric(toString(m)), std::optional<Metric>(m));
        QVERIFY(!parseMetric("accuracy"));
    }

    void csvHasHeaderAndQuotes()
    {
        SweepResult result;
        result.points = {point(0, 10, 9), point(1, 20, 5)};
        result.points[0].point.label = "bits=2, size=64";
        result.points[0].point.values = {"2", "64"};
        result.points[1].point.label = "bits=4, size=64";
        result.points[1].point.values = {"4", "64"};
        result.points[1].diagnostics.push_back({Severity::Warning, "map", "a \"quoted\" warning"});
        const std::vector<Parameter> params{Parameter{"bits", {"weights.bits"}, {"2", "4"}, 1},
                                            Parameter{"size", {"crossbar.rows"}, {"64"}, 2}};
        const std::string csv = toCsv(result, params);
        const auto lines = QString::fromStdString(csv).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[0].startsWith("index,label,bits,size,feasible,accuracy_percent"));
        QVERIFY(lines[0].contains(",pareto,"));
        QVERIFY2(lines[1].startsWith("0,\"bits=2, size=64\",2,64,1,91.0000,"), qPrintable(lines[1]));
        QVERIFY2(lines[2].endsWith("\"map: a \"\"quoted\"\" warning\""), qPrintable(lines[2]));
    }
};

QTEST_APPLESS_MAIN(TestSweepSpec)
#include "tst_sweep_spec.moc"
