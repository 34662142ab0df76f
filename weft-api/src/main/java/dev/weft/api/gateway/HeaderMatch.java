package dev.weft.api.gateway;

/** A request header condition; the name matches case-insensitively. */
public record HeaderMatch(MatchType type, String name, String value) {
}
