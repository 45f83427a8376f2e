// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>

namespace nnb::dataflow {

/// 128-bit intermediate for exact cross multiplication (GCC/Clang extension; __extension__ keeps
/// -Wpedantic quiet).
__extension__ typedef __int128 Int128;

/// An exact non-negative-or-negative fraction num/den of 64-bit integers, always reduced with
/// den > 0. Used for iteration periods and throughputs so that analysis results compare exactly.
struct Rational {
    int64_t num = 0;
    int64_t den = 1;

    /// \returns num/den reduced (gcd removed, sign on the numerator). \p den must not be 0.
    static Rational make(int64_t num, int64_t den);
    /// \returns den/num (reduced); the value must not be 0.
    Rational inverse() const;
    double toDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
    /// \returns "7/3", or "4" when the denominator is 1.
    std::string toString() const;

    friend bool operator==(const Rational& a, const Rational& b) { return a.num == b.num && a.den == b.den; }
    /// Exact comparison (128-bit cross multiplication).
    friend bool operator<(const Rational& a, const Rational& b)
    {
        return static_cast<Int128>(a.num) * b.den < static_cast<Int128>(b.num) * a.den;
    }
    friend bool operator>(const Rational& a, const Rational& b) { return b < a; }
};

} // namespace nnb::dataflow
