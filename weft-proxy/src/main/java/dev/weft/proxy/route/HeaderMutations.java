package dev.weft.proxy.route;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One level's (route, virtual host or route configuration) headers_to_remove and headers_to_add
 * for one direction, applied the way Envoy's HeaderParser does: removals first; then every add's
 * condition is judged against the headers as they were after the removals; then overwrites are
 * set and appends added.
 */
final class HeaderMutations {
    static final HeaderMutations NONE = new HeaderMutations(new String[0], new Add[0]);

    private final String[] remove;
    private final Add[] add;
    /** Whether some add depends on the header's prior presence, so presence is judged up front. */
    private final boolean conditional;

    private record Add(String name, String value, HeaderAppendAction action) {
    }

    private HeaderMutations(String[] remove, Add[] add) {
        this.remove = remove;
        this.add = add;
        boolean c = false;
        for (Add a : add) {
            c |= a.action == HeaderAppendAction.ADD_IF_ABSENT || a.action == HeaderAppendAction.OVERWRITE_IF_EXISTS;
        }
        this.conditional = c;
    }

    /**
     * Compiles one level. {@code addField}/{@code removeField} are the paths of the two lists (for
     * example {@code virtual_hosts[0].request_headers_to_add}).
     */
    @SuppressWarnings("deprecation") // HeaderValueOption.append is the field older configs still set
    static HeaderMutations compile(List<HeaderValueOption> adds, String addField, List<String> removes, String removeField)
            throws ConfigException {
        if (adds.isEmpty() && removes.isEmpty()) {
            return NONE;
        }
        String[] rm = new String[removes.size()];
        for (int i = 0; i < rm.length; i++) {
            rm[i] = modifiableName(removes.get(i), removeField + "[" + i + "]");
        }
        List<Add> ad = new ArrayList<>(adds.size());
        for (int i = 0; i < adds.size(); i++) {
            HeaderValueOption o = adds.get(i);
            String p = addField + "[" + i + "]";
            if (!o.hasHeader()) {
                throw new ConfigException(p + ".header", "is required");
            }
            String name = modifiableName(o.getHeader().getKey(), p + ".header.key");
            String value = literal(o.getHeader().getValue(), p + ".header.value");
            HeaderAppendAction action = o.getAppendAction();
            if (action == HeaderAppendAction.UNRECOGNIZED) {
                throw new ConfigException(p + ".append_action", "unknown value");
            }
            if (o.hasAppend()) {
                if (action != HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
                    throw new ConfigException(p, "append and append_action are both set; use append_action");
                }
                action = o.getAppend().getValue() ? HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                        : HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
            }
            // Envoy drops a header whose value is empty unless keep_empty_value asks to keep it.
            if (!value.isEmpty() || o.getKeepEmptyValue()) {
                ad.add(new Add(name, value, action));
            }
        }
        return new HeaderMutations(rm, ad.toArray(new Add[0]));
    }

    private static String modifiableName(String raw, String path) throws ConfigException {
        if (raw.isEmpty()) {
            throw new ConfigException(path, "must not be empty");
        }
        String n = raw.toLowerCase(Locale.ROOT);
        if (n.startsWith(":") || n.equals("host")) {
            throw new ConfigException(path, "':'-prefixed or host headers may not be modified: " + raw);
        }
        return n;
    }

    /**
     * Envoy evaluates %COMMAND% format specifiers in header values; Weft only sends literals, so
     * any specifier is refused rather than sent verbatim. "%%" is Envoy's escaped percent sign.
     */
    static String literal(String value, String path) throws ConfigException {
        if (value.indexOf('%') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 1 < value.length() && value.charAt(i + 1) == '%') {
                    i++;
                } else {
                    throw new ConfigException(path, "header formatters are not supported: " + value
                            + " (write %% for a literal %)");
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    boolean isEmpty() {
        return remove.length == 0 && add.length == 0;
    }

    void apply(HttpHeaders headers) {
        for (String r : remove) {
            headers.remove(r);
        }
        if (add.length == 0) {
            return;
        }
        boolean[] present = null;
        if (conditional) {
            present = new boolean[add.length];
            for (int i = 0; i < add.length; i++) {
                present[i] = headers.contains(add[i].name);
            }
        }
        for (int i = 0; i < add.length; i++) {
            Add a = add[i];
            if (a.action == HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                    || (a.action == HeaderAppendAction.OVERWRITE_IF_EXISTS && present[i])) {
                headers.set(a.name, a.value);
            }
        }
        for (int i = 0; i < add.length; i++) {
            Add a = add[i];
            if (a.action == HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                    || (a.action == HeaderAppendAction.ADD_IF_ABSENT && !present[i])) {
                headers.add(a.name, a.value);
            }
        }
    }
}
