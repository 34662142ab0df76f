package dev.weft.api.gateway;

/** Value match semantics for headers, query parameters and gRPC service/method names. */
public enum MatchType {
    EXACT("Exact"),
    REGULAR_EXPRESSION("RegularExpression");

    private final String wireName;

    MatchType(String wireName) {
        this.wireName = wireName;
    }

    /** The spelling in YAML. */
    public String wireName() {
        return wireName;
    }
}
