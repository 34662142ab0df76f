package dev.weft.api.gateway;

/**
 * A path rewrite or redirect: replace the whole path with {@code value}, or replace the part the rule's single
 * PathPrefix match matched with {@code value}.
 */
public record PathModifier(PathModifierType type, String value) {
}
