// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include "nnb/strategy/strategy_io.h"
#include "test_paths.h"

using namespace nnb;

class TestStrategy : public QObject {
    Q_OBJECT

private slots:
    void shippedDefaultEqualsBuiltIn()
    {
        const auto s = strategy::loadStrategy(test::resourceDir() / "strategies" / "default.yaml");
        QVERIFY2(s.has_value(), s ? "" : s.error().toString().c_str());
        QCOMPARE(strategy::strategyToYaml(*s), strategy::strategyToYaml(strategy::Strategy{}));
    }

    void roundTripAndPartialFiles()
    {
        const auto s = strategy::parseStrategy("split:\n  policy: merge_layer\nfunctions:\n  approximator_width: 8\n", "mine.yaml");
        QVERIFY(s.has_value());
        QCOMPARE(s->split, strategy::SplitPolicy::MergeLayer);
        QCOMPARE(s->approximatorWidth, 8);
        QCOMPARE(s->pooling, strategy::PoolingPolicy::CoreOps); // default kept
        QCOMPARE(s->name, std::string("mine")); // named after the file when the file does not say
        QCOMPARE(s->tuning.endToEndSchedule, strategy::LearningRateSchedule::Cosine);
        const auto constant = strategy::parseStrategy("tuning:\n  end_to_end_schedule: constant\n", "c.yaml");
        QVERIFY(constant.has_value());
        QCOMPARE(constant->tuning.endToEndSchedule, strategy::LearningRateSchedule::Constant);
        const auto again = strategy::parseStrategy(strategy::strategyToYaml(*s), "again");
        QVERIFY(again.has_value());
        QCOMPARE(strategy::strategyToYaml(*again), strategy::strategyToYaml(*s));
    }

    void invalidStrategies_data()
    {
        QTest::addColumn<QString>("yaml");
        QTest::addColumn<QString>("expected");
        QTest::addRow("unknown policy") << "split:\n  policy: diagonal\n" << "split.policy";
        QTest::addRow("width zero") << "functions:\n  approximator_width: 0\n" << "functions.approximator_width";
        QTest::addRow("typo") << "pooling:\n  polcy: host\n" << "pooling.polcy";
        QTest::addRow("wrong type") << "seed: many\n" << "seed";
        QTest::addRow("unknown adc steps") << "quantization:\n  adc_steps: per_row\n" << "quantization.adc_steps";
        QTest::addRow("unknown schedule") << "tuning:\n  end_to_end_schedule: linear\n" << "tuning.end_to_end_schedule";
    }

    void invalidStrategies()
    {
        QFETCH(QString, yaml);
        QFETCH(QString, expected);
        const auto s = strategy::parseStrategy(yaml.toStdString(), "mine.yaml");
        QVERIFY(!s);
        const QString message = QString::fromStdString(s.error().toString());
        QVERIFY2(message.contains("mine.yaml") && message.contains(expected), qPrintable(message));
    }
};

QTEST_APPLESS_MAIN(TestStrategy)
#include "tst_strategy.moc"
