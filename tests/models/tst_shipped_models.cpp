// SPDX-License-Identifier: GPL-3.0-or-later
// The shipped networks, run by nnbridge's float executor on the 10,000 Fashion-MNIST test
// images, must reproduce PyTorch's predictions image for image (resources/models/metrics.json
// and <name>.predictions.txt were written by resources/models/train.py).
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "nnb/data/dataset.h"
#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"
#include "nnb/onnx/import.h"
#include "test_paths.h"

using namespace nnb;

class TestShippedModels : public QObject {
    Q_OBJECT

    nlohmann::json m_metrics;
    std::optional<data::Dataset> m_testSet;

private slots:
    void initTestCase()
    {
        std::ifstream in(test::resourceDir() / "models" / "metrics.json");
        QVERIFY2(in.good(), "resources/models/metrics.json is missing");
        m_metrics = nlohmann::json::parse(in);
        auto set = data::loadFashionMnistTest(data::kDebianFashionMnistDir);
        if (set)
            m_testSet = std::move(*set);
    }

    void matchesPyTorch_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addRow("mlp") << "mlp";
        QTest::addRow("lenet") << "lenet";
    }

    void matchesPyTorch()
    {
        QFETCH(QString, name);
        if (!m_testSet)
            QSKIP("Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh installs it)");
        const auto& metrics = m_metrics.at(name.toStdString());
        auto model = onnx::importModel(test::resourceDir() / "models" / metrics.at("onnx_file").get<std::string>());
        QVERIFY2(model.has_value(), model ? "" : model.error().toString().c_str());
        const exec::Executor executor(std::make_shared<const ir::Graph>(std::move(model->graph)), exec::ExecutorOptions{2});
        const auto result = eval::evaluateClassifier(executor, *m_testSet);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());

        QCOMPARE(result->total, metrics.at("test_total").get<int64_t>());
        QCOMPARE(result->correct, metrics.at("test_correct").get<int64_t>());

        std::ifstream predictionsFile(test::resourceDir() / "models" / metrics.at("predictions_file").get<std::string>());
        std::string expected;
        std::getline(predictionsFile, expected);
        QCOMPARE(expected.size(), result->predictions.size());
        int differing = 0;
        for (size_t k = 0; k < expected.size(); ++k)
            differing += (expected[k] - '0') != result->predictions[k] ? 1 : 0;
        QCOMPARE(differing, 0);
        qInfo("%s: %lld / %lld = %.2f %% (PyTorch: %s), predictions identical on all images", qPrintable(name),
              static_cast<long long>(result->correct), static_cast<long long>(result->total), result->accuracyPercent(),
              metrics.at("test_accuracy_percent").dump().c_str());
    }
};

QTEST_APPLESS_MAIN(TestShippedModels)
#include "tst_shipped_models.moc"
