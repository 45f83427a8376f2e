// SPDX-License-Identifier: GPL-3.0-or-later
#include "report_table.h"

#include <algorithm>

namespace nnb::cli {

ReportTable::ReportTable(std::vector<std::string> headers)
    : m_headers(std::move(headers))
    , m_left(m_headers.size(), false)
{
}

void ReportTable::addRow(std::vector<std::string> cells)
{
    cells.resize(m_headers.size());
    m_rows.push_back(std::move(cells));
}

void ReportTable::setLeftAligned(size_t column)
{
    if (column < m_left.size())
        m_left[column] = true;
}

std::string ReportTable::render() const
{
    std::vector<size_t> width(m_headers.size());
    for (size_t c = 0; c < m_headers.size(); ++c) {
        width[c] = m_headers[c].size();
        for (const auto& row : m_rows)
            width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(width[c] - cells[c].size(), ' ');
            out += c ? "  " : "";
            out += m_left[c] ? cells[c] + pad : pad + cells[c];
        }
        while (!out.empty() && out.back() == ' ')
            out.pop_back();
        return out + "\n";
    };
    std::string out = line(m_headers);
    size_t total = 0;
    for (size_t w : width)
        total += w;
    out += std::string(total + 2 * (width.size() - 1), '-') + "\n";
    for (const auto& row : m_rows)
        out += line(row);
    return out;
}

} // namespace nnb::cli
