package dev.weft.api.gateway;

/** A share of requests: {@code numerator / denominator}, with 0 &lt;= numerator &lt;= denominator and denominator &gt;= 1. */
public record Fraction(int numerator, int denominator) {

    /** Every request. */
    public static final Fraction ALL = new Fraction(100, 100);

    public static Fraction percent(int percent) {
        return new Fraction(percent, 100);
    }
}
