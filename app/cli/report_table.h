// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <vector>

namespace nnb::cli {

/// A plain-text table with right-aligned numeric columns, for terminal reports.
class ReportTable {
public:
    explicit ReportTable(std::vector<std::string> headers);
    void addRow(std::vector<std::string> cells);
    /// Marks column \p column as left-aligned (text); others are right-aligned.
    void setLeftAligned(size_t column);
    std::string render() const;

private:
    std::vector<std::string> m_headers;
    std::vector<std::vector<std::string>> m_rows;
    std::vector<bool> m_left;
};

} // namespace nnb::cli
