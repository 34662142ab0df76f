package dev.weft.proxy.tap;

import dev.weft.proxy.observe.RequestInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which exchanges a tap subscriber wants, from the {@code /tap} query: {@code authority} (the host, with or without
 * its port), {@code service} (the authority's host is the service name or a name under it: {@code chat},
 * {@code chat.default}, {@code chat.default.svc.cluster.local}), {@code path} (a prefix of the path) and
 * {@code status} (codes or classes, comma-separated: {@code 5xx,429}). Every given condition must hold.
 */
public final class TapFilter {
    /** Matches every exchange. */
    public static final TapFilter ALL = new TapFilter(null, null, null, new int[0], new int[0]);

    private final String authorityHost;
    private final String service;
    private final String pathPrefix;
    private final int[] codes;
    private final int[] classes;

    private TapFilter(String authorityHost, String service, String pathPrefix, int[] codes, int[] classes) {
        this.authorityHost = authorityHost;
        this.service = service;
        this.pathPrefix = pathPrefix;
        this.codes = codes;
        this.classes = classes;
    }

    /**
     * Parses the query's conditions; null or empty values are no condition.
     *
     * @throws IllegalArgumentException naming the parameter that is wrong
     */
    public static TapFilter parse(String authority, String service, String path, String status) {
        if (path != null && !path.isEmpty() && !path.startsWith("/")) {
            throw new IllegalArgumentException("path: a prefix starting with /, got \"" + path + "\"");
        }
        List<Integer> codes = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        if (status != null && !status.isEmpty()) {
            for (String s : status.split(",")) {
                String v = s.strip().toLowerCase(Locale.ROOT);
                if (v.length() == 3 && v.endsWith("xx") && v.charAt(0) >= '1' && v.charAt(0) <= '5') {
                    classes.add(v.charAt(0) - '0');
                } else if (v.matches("[1-5][0-9][0-9]")) {
                    codes.add(Integer.parseInt(v));
                } else {
                    throw new IllegalArgumentException("status: expected codes or classes such as 503 or 5xx, got \""
                            + s.strip() + "\"");
                }
            }
        }
        return new TapFilter(empty(authority) ? null : host(authority.toLowerCase(Locale.ROOT)),
                empty(service) ? null : service.toLowerCase(Locale.ROOT),
                empty(path) ? null : path,
                codes.stream().mapToInt(Integer::intValue).toArray(),
                classes.stream().mapToInt(Integer::intValue).toArray());
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    /** The host of an authority: without its port, brackets kept for IPv6. */
    private static String host(String authority) {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close < 0 ? authority : authority.substring(0, close + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /** Whether {@code info}, a finished exchange, is one the subscriber wants. */
    public boolean matches(RequestInfo info) {
        if (codes.length + classes.length > 0 && !statusMatches(info.status())) {
            return false;
        }
        if (pathPrefix != null && (info.path() == null || !info.path().startsWith(pathPrefix))) {
            return false;
        }
        if (authorityHost != null || service != null) {
            String a = info.authority();
            if (a == null) {
                return false;
            }
            String host = host(a.toLowerCase(Locale.ROOT));
            if (authorityHost != null && !authorityHost.equals(host)) {
                return false;
            }
            if (service != null && !(host.equals(service) || host.startsWith(service + "."))) {
                return false;
            }
        }
        return true;
    }

    private boolean statusMatches(int status) {
        for (int c : codes) {
            if (c == status) {
                return true;
            }
        }
        for (int c : classes) {
            if (status / 100 == c) {
                return true;
            }
        }
        return false;
    }
}
