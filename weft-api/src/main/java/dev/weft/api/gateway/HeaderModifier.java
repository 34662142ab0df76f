package dev.weft.api.gateway;

import java.util.List;

/** Header edits: {@code set} replaces, {@code add} appends, {@code remove} deletes; each header name has one action. */
public sealed interface HeaderModifier permits RequestHeaderModifier, ResponseHeaderModifier {

    List<HttpHeader> set();

    List<HttpHeader> add();

    List<String> remove();
}
