// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>

#include <QString>

#include "nnb/ir/attributes.h"
#include "nnb/ir/tensor.h"

namespace nnb::widgets {

/// \returns \p value with the user's digit grouping ("61,706"). The C locale, which groups
/// nothing, falls back to English grouping so large counts stay readable in every environment.
QString formatCount(int64_t value);

/// \returns \p bytes as a short human-readable size ("241.0 KiB").
QString formatBytes(int64_t bytes);

/// \returns \p shape as "[?,1,28,28]" (the core's notation, "?" for a dynamic dimension).
QString shapeText(const ir::Shape& shape);

/// \returns an attribute value as the IR printer writes it ("[2,2,2,2]", "0.5", "\"NOTSET\"").
QString attributeText(const ir::AttrValue& value);

} // namespace nnb::widgets
