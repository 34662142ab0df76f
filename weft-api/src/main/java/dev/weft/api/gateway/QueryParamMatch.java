package dev.weft.api.gateway;

/** A query parameter condition; the name matches exactly. */
public record QueryParamMatch(MatchType type, String name, String value) {
}
