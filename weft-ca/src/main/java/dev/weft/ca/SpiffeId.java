package dev.weft.ca;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A workload identity {@code spiffe://<trust-domain>/ns/<namespace>/sa/<account>}, checked against the SPIFFE ID
 * specification: a lower-case trust domain of {@code [a-z0-9.-_]} (at most 255 bytes), path segments of
 * {@code [a-zA-Z0-9.-_]} that are neither empty nor {@code .}/{@code ..}, no query, fragment, port, user info or
 * percent-encoding, and at most 2048 bytes in all.
 */
public record SpiffeId(String trustDomain, String namespace, String account) {

    /** The scheme and separator every SPIFFE ID starts with. */
    public static final String PREFIX = "spiffe://";
    /** The SPIFFE ID specification's limit on the whole URI, in bytes. */
    public static final int MAX_LENGTH = 2048;
    /** The SPIFFE ID specification's limit on the trust domain, in bytes. */
    public static final int MAX_TRUST_DOMAIN_LENGTH = 255;
    /** The namespace of the control plane's SPIFFE ID. */
    public static final String CONTROL_PLANE_NAMESPACE = "weft-system";
    /** The service account of the control plane's SPIFFE ID. */
    public static final String CONTROL_PLANE_ACCOUNT = "weft-control-plane";

    public SpiffeId {
        String id = PREFIX + trustDomain + "/ns/" + namespace + "/sa/" + account;
        checkTrustDomain(id, trustDomain);
        checkSegment(id, namespace, "namespace");
        checkSegment(id, account, "account");
        checkLength(id);
    }

    /**
     * The control plane's SPIFFE ID in {@code trustDomain}:
     * {@code spiffe://<td>/ns/weft-system/sa/weft-control-plane}, which its certificate names and which proxies and
     * clients expect it to present.
     */
    public static SpiffeId controlPlane(String trustDomain) {
        return new SpiffeId(trustDomain, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_ACCOUNT);
    }

    /** Parses {@code spiffe://<trust-domain>/ns/<namespace>/sa/<account>}; the exception says what is wrong. */
    public static SpiffeId parse(String id) {
        if (id == null || id.isEmpty()) {
            throw new InvalidSpiffeIdException(id, "it is empty");
        }
        checkLength(id);
        if (!id.startsWith(PREFIX)) {
            if (id.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
                throw new InvalidSpiffeIdException(id, "the scheme must be lower-case \"spiffe\"");
            }
            throw new InvalidSpiffeIdException(id, "it must start with \"" + PREFIX + "\"");
        }
        if (id.indexOf('?') >= 0) {
            throw new InvalidSpiffeIdException(id, "it must not have a query ('?')");
        }
        if (id.indexOf('#') >= 0) {
            throw new InvalidSpiffeIdException(id, "it must not have a fragment ('#')");
        }
        String rest = id.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        if (authority.indexOf('@') >= 0) {
            throw new InvalidSpiffeIdException(id, "it must not have user info ('@') before the trust domain");
        }
        if (authority.indexOf(':') >= 0) {
            throw new InvalidSpiffeIdException(id, "the trust domain must not have a port (':')");
        }
        checkTrustDomain(id, authority);
        if (slash < 0) {
            throw new InvalidSpiffeIdException(id, "it has no path (expected /ns/<namespace>/sa/<account>)");
        }
        String path = rest.substring(slash);
        if (path.indexOf('%') >= 0) {
            throw new InvalidSpiffeIdException(id, "the path must not be percent-encoded ('%')");
        }
        if (path.endsWith("/")) {
            throw new InvalidSpiffeIdException(id, "the path must not end with '/'");
        }
        String[] segments = path.substring(1).split("/", -1);
        for (String segment : segments) {
            checkSegment(id, segment, "path segment");
        }
        if (segments.length != 4 || !segments[0].equals("ns") || !segments[2].equals("sa")) {
            throw new InvalidSpiffeIdException(id, "the path " + path + " is not /ns/<namespace>/sa/<account>");
        }
        return new SpiffeId(authority, segments[1], segments[3]);
    }

    /**
     * Checks a trust domain name ({@code [a-z0-9.-_]}, 1 to 255 bytes) and returns it.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static String requireTrustDomain(String trustDomain) {
        try {
            checkTrustDomain(PREFIX + trustDomain, trustDomain);
        } catch (InvalidSpiffeIdException e) {
            throw new IllegalArgumentException("trust domain \"" + trustDomain + "\": " + e.reason(), e);
        }
        return trustDomain;
    }

    /** Checks a namespace or account name (a SPIFFE path segment) and returns it; {@code what} names it in errors. */
    public static String requireSegment(String value, String what) {
        try {
            checkSegment(value, value, what);
        } catch (InvalidSpiffeIdException e) {
            throw new IllegalArgumentException(e.reason(), e);
        }
        return value;
    }

    /** This identity as a URI, for a certificate's subject alternative name. */
    public URI toUri() {
        return URI.create(toString());
    }

    /** {@code spiffe://<trust-domain>/ns/<namespace>/sa/<account>}. */
    @Override
    public String toString() {
        return PREFIX + trustDomain + "/ns/" + namespace + "/sa/" + account;
    }

    private static void checkLength(String id) {
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_LENGTH) {
            throw new InvalidSpiffeIdException(id, "it is " + bytes + " bytes long (at most " + MAX_LENGTH + ")");
        }
    }

    private static void checkTrustDomain(String id, String trustDomain) {
        if (trustDomain == null || trustDomain.isEmpty()) {
            throw new InvalidSpiffeIdException(id, "the trust domain is empty");
        }
        if (trustDomain.length() > MAX_TRUST_DOMAIN_LENGTH) {
            throw new InvalidSpiffeIdException(id, "the trust domain is " + trustDomain.length()
                    + " characters long (at most " + MAX_TRUST_DOMAIN_LENGTH + ")");
        }
        for (int i = 0; i < trustDomain.length(); i++) {
            char c = trustDomain.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) {
                String hint = c >= 'A' && c <= 'Z' ? " (the trust domain must be lower-case)" : "";
                throw new InvalidSpiffeIdException(id, "the trust domain \"" + trustDomain + "\" has "
                        + describe(c) + " at position " + i + hint + " (allowed: a-z 0-9 . - _)");
            }
        }
    }

    private static void checkSegment(String id, String segment, String what) {
        if (segment == null || segment.isEmpty()) {
            throw new InvalidSpiffeIdException(id, "the " + what + " is empty");
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw new InvalidSpiffeIdException(id, "the " + what + " is the dot segment \"" + segment + "\"");
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_')) {
                throw new InvalidSpiffeIdException(id, "the " + what + " \"" + segment + "\" has " + describe(c)
                        + " at position " + i + " (allowed: a-z A-Z 0-9 . - _)");
            }
        }
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
