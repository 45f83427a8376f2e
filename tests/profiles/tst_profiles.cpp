// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include <fstream>
#include <sstream>

#include "nnb/hw/profile_io.h"
#include "test_paths.h"

using namespace nnb;

namespace {

std::string readText(const std::filesystem::path& path)
{
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Replaces the first line of \p text that starts (after indentation) with \p linePrefix.
std::string replaceLine(const std::string& text, const std::string& linePrefix, const std::string& replacement)
{
    std::istringstream in(text);
    std::string out;
    bool done = false;
    for (std::string line; std::getline(in, line);) {
        const auto start = line.find_first_not_of(' ');
        if (!done && start != std::string::npos && line.compare(start, linePrefix.size(), linePrefix) == 0) {
            line = replacement.empty() ? std::string() : line.substr(0, start) + replacement;
            done = true;
        }
        out += line + "\n";
    }
    return out;
}

} // namespace

class TestProfiles : public QObject {
    Q_OBJECT

private slots:
    void shippedProfilesLoad_data()
    {
        QTest::addColumn<QString>("id");
        for (const char* id : {"tianji", "prime", "truenorth", "isaac-like", "generic"})
            QTest::addRow("%s", id) << id;
    }

    void shippedProfilesLoad()
    {
        QFETCH(QString, id);
        const auto path = test::profileDir() / (id.toStdString() + ".yaml");
        const auto profile = hw::loadProfile(path);
        QVERIFY2(profile.has_value(), profile ? "" : profile.error().toString().c_str());
        QCOMPARE(QString::fromStdString(profile->id), id);
        QVERIFY(!profile->illustrative.empty());
        // Round trip: writing and reading back gives the same values.
        const auto again = hw::parseProfile(hw::profileToYaml(*profile), "roundtrip");
        QVERIFY2(again.has_value(), again ? "" : again.error().toString().c_str());
        QCOMPARE(hw::profileToYaml(*again), hw::profileToYaml(*profile));
    }

    void shippedFiguresAsSpecified()
    {
        const auto tianji = hw::loadProfile(test::profileDir() / "tianji.yaml");
        QVERIFY(tianji.has_value());
        QCOMPARE(tianji->crossbar.rows, 256);
        QCOMPARE(tianji->weights.bits, 8);
        QCOMPARE(tianji->neuron.model, hw::NeuronModel::Lif);
        QCOMPARE(tianji->neuron.leakBits, 16);
        QCOMPARE(tianji->neuron.thresholdBits, 16);
        const auto prime = hw::loadProfile(test::profileDir() / "prime.yaml");
        QVERIFY(prime.has_value());
        QCOMPARE(prime->weights.encoding, hw::WeightEncoding::BitSliced);
        // 8-bit signed weights as magnitudes over 4-bit cells: 2 slices, x2 for the differential pair.
        QCOMPARE(prime->arraysPerWeightBlock(), 4);
        const auto truenorth = hw::loadProfile(test::profileDir() / "truenorth.yaml");
        QVERIFY(truenorth.has_value());
        QCOMPARE(truenorth->chip.cores, 4096);
        QCOMPARE(truenorth->weights.axonTypes, 4);
        const auto isaac = hw::loadProfile(test::profileDir() / "isaac-like.yaml");
        QVERIFY(isaac.has_value());
        QCOMPARE(isaac->arraysPerWeightBlock(), 8);
        QCOMPARE(isaac->io.adcBits, 8);
    }

    void invalidProfiles_data()
    {
        QTest::addColumn<QString>("linePrefix");
        QTest::addColumn<QString>("replacement");
        QTest::addColumn<QString>("expectedKey");
        QTest::addColumn<QString>("expectedText");
        QTest::addRow("missing key") << "rows:" << "" << "crossbar.rows" << "missing";
        QTest::addRow("negative size") << "rows:" << "rows: -3" << "crossbar.rows" << "got -3";
        QTest::addRow("zero size") << "cols:" << "cols: 0" << "crossbar.cols" << "got 0";
        QTest::addRow("wrong type") << "rows:" << "rows: many" << "crossbar.rows" << "an integer";
        QTest::addRow("weight bits over 32") << "bits:" << "bits: 33" << "weights.bits" << "between 1 and 32";
        QTest::addRow("unknown neuron model") << "model:" << "model: sigmoid" << "neuron.model" << "not one of";
        QTest::addRow("mesh and cores disagree") << "cores:" << "cores: 65" << "chip.cores" << "8 x 8 = 64";
        QTest::addRow("unknown key (typo)") << "rows:" << "rowz: 128" << "crossbar.row" << "";
        QTest::addRow("negative energy") << "spike_pj:" << "spike_pj: -1" << "energy.spike_pj" << "between 0";
        QTest::addRow("unsupported schema version") << "schema_version:" << "schema_version: 2" << "schema_version" << "";
        QTest::addRow("DAC wider than the input") << "dac_bits:" << "dac_bits: 9" << "signals.dac_bits" << "";
        QTest::addRow("bad id") << "id:" << "id: Generic Chip" << "id" << "kebab-case";
        QTest::addRow("illustrative names no key") << "illustrative:" << "illustrative: [warp_drive]" << "illustrative"
                                                   << "warp_drive";
        QTest::addRow("unknown encoding") << "encoding:" << "encoding: analog" << "weights.encoding" << "bit_sliced";
        QTest::addRow("stuck-at rate over 1") << "stuck_at_zero_rate:" << "stuck_at_zero_rate: 1.5"
                                              << "device.stuck_at_zero_rate" << "";
        QTest::addRow("broken YAML") << "name:" << "name: [unclosed" << "" << "YAML";
    }

    void invalidProfiles()
    {
        QFETCH(QString, linePrefix);
        QFETCH(QString, replacement);
        QFETCH(QString, expectedKey);
        QFETCH(QString, expectedText);
        const std::string base = readText(test::profileDir() / "generic.yaml");
        const std::string mutated = replaceLine(base, linePrefix.toStdString(), replacement.toStdString());
        QVERIFY(mutated != base);
        const auto profile = hw::parseProfile(mutated, "my-chip.yaml");
        QVERIFY(!profile);
        QCOMPARE(profile.error().code, Errc::InvalidProfile);
        const QString message = QString::fromStdString(profile.error().toString());
        QVERIFY2(message.contains("my-chip.yaml"), qPrintable(message));
        QVERIFY2(message.contains(expectedKey), qPrintable(message));
        QVERIFY2(message.contains(expectedText), qPrintable(message));
    }

    void sectionThatIsNotAMapping()
    {
        std::string text = readText(test::profileDir() / "generic.yaml");
        text = text.substr(0, text.find("device:")) + "device: none\n";
        const auto profile = hw::parseProfile(text, "my-chip.yaml");
        QVERIFY(!profile);
        const QString message = QString::fromStdString(profile.error().toString());
        QVERIFY2(message.contains("key device (line") && message.contains("mapping"), qPrintable(message));
    }

    void emptyAndMissingFiles()
    {
        const auto empty = hw::parseProfile("", "empty.yaml");
        QVERIFY(!empty);
        QVERIFY(empty.error().toString().find("empty.yaml") != std::string::npos);
        const auto missing = hw::loadProfile(test::profileDir() / "no-such-chip.yaml");
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, Errc::Io);
    }
};

QTEST_APPLESS_MAIN(TestProfiles)
#include "tst_profiles.moc"
