// SPDX-License-Identifier: GPL-3.0-or-later
#include "data_sets.h"

#include "resource_paths.h"

namespace nnb::cli {

Expected<data::Dataset> loadDataSet(const std::string& spec)
{
    if (spec == "fashion-mnist")
        return data::loadFashionMnistTest(data::kDebianFashionMnistDir);
    if (spec == "sample")
        return data::loadFashionMnistTest(app::defaultDataSampleDir());
    std::error_code ec;
    if (std::filesystem::is_directory(spec, ec))
        return data::loadFashionMnistTest(spec);
    return makeError(Errc::InvalidArgument, "unknown data set '" + spec +
                                                "': use 'fashion-mnist' (the Debian package), 'sample' (the shipped "
                                                "1,000 images) or a directory holding t10k-*-ubyte[.gz] IDX files");
}

Expected<data::Dataset> loadCalibrationSet(const std::string& fallbackSpec, std::string& note)
{
    if (auto train = data::loadFashionMnistTrain(data::kDebianFashionMnistDir)) {
        note = "Fashion-MNIST training split";
        return train;
    }
    note = "'" + fallbackSpec + "' (the training split is not installed)";
    return loadDataSet(fallbackSpec);
}

} // namespace nnb::cli
