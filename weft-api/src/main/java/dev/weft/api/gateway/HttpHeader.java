package dev.weft.api.gateway;

/** A header name and value, as a header modifier sets or adds it. */
public record HttpHeader(String name, String value) {
}
