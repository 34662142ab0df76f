package dev.weft.api.gateway;

/** Path match semantics, as Gateway API spells them. */
public enum PathMatchType {
    EXACT("Exact"),
    /** Element-wise prefix: "/abc" matches "/abc", "/abc/" and "/abc/def" but not "/abcd". */
    PATH_PREFIX("PathPrefix"),
    REGULAR_EXPRESSION("RegularExpression");

    private final String wireName;

    PathMatchType(String wireName) {
        this.wireName = wireName;
    }

    /** The spelling in YAML. */
    public String wireName() {
        return wireName;
    }
}
