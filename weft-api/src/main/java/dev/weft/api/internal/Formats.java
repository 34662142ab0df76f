package dev.weft.api.internal;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Syntax checks of names and values, following the Kubernetes and Gateway API validation patterns. Each check
 * returns null when the value is valid, otherwise the message to report.
 */
public final class Formats {

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    private static final Pattern WILDCARD_HOSTNAME =
            Pattern.compile("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern HEADER_NAME = Pattern.compile("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$");
    private static final Pattern HEADER_VALUE = Pattern.compile("^[!-~]+([\\t ]?[!-~]+)*$");
    private static final Pattern LABEL_NAME = Pattern.compile("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");
    private static final Pattern PATH_CHARS = Pattern.compile("^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$");
    private static final Pattern IPV4 =
            Pattern.compile("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$");
    private static final Pattern DNS_NAME = Pattern.compile(
            "^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$");
    private static final Pattern TRUST_DOMAIN = Pattern.compile("^[a-z0-9._-]+$");

    private static final Pattern RE2_NAMED_GROUP = Pattern.compile("\\(\\?P?<[A-Za-z_][A-Za-z0-9_]*>");

    private Formats() {
    }

    /** Object names (metadata.name, backend and parent names): RFC 1123 subdomain. */
    public static String objectName(String value) {
        if (value.length() > 253 || !DNS_SUBDOMAIN.matcher(value).matches()) {
            return "must be a lowercase RFC 1123 name (a-z, 0-9, '-' and '.', starting and ending with a letter or digit, "
                    + "at most 253 characters), got \"" + value + "\"";
        }
        return null;
    }

    /** Namespaces and other short names: RFC 1123 label. */
    public static String label(String value) {
        if (value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
            return "must be a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit, "
                    + "at most 63 characters), got \"" + value + "\"";
        }
        return null;
    }

    /** Gateway API Hostname (wildcard allowed) or PreciseHostname. */
    public static String hostname(String value, boolean wildcardAllowed) {
        boolean valid = value.length() <= 253
                && (wildcardAllowed ? WILDCARD_HOSTNAME : DNS_SUBDOMAIN).matcher(value).matches()
                && !IPV4.matcher(value).matches();
        if (!valid) {
            return "must be a lowercase DNS hostname" + (wildcardAllowed ? " (optionally starting with \"*.\")" : "")
                    + ", not an IP address, got \"" + value + "\"";
        }
        return null;
    }

    /** HTTP header (or query parameter) name: an RFC 7230 token of at most 256 characters. */
    public static String headerName(String value) {
        if (value.isEmpty() || value.length() > 256 || !HEADER_NAME.matcher(value).matches()) {
            return "must be an HTTP header name (RFC 7230 token characters, at most 256), got \"" + value + "\"";
        }
        return null;
    }

    /** HTTP header value: printable US-ASCII, single spaces or tabs between, 1 to {@code max} characters. */
    public static String headerValue(String value, int max) {
        if (value.isEmpty() || value.length() > max || !HEADER_VALUE.matcher(value).matches()) {
            return "must be 1 to " + max + " printable US-ASCII characters, optionally separated by single spaces, got \""
                    + value + "\"";
        }
        return null;
    }

    /** Label (or annotation) key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
    public static String labelKey(String key) {
        int slash = key.lastIndexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = key.substring(slash + 1);
        boolean valid = name.length() <= 63 && LABEL_NAME.matcher(name).matches()
                && (prefix == null || (prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()));
        if (!valid) {
            return "key must be a qualified name ([prefix/]name, the name at most 63 characters of a-z, A-Z, 0-9, "
                    + "'-', '_' and '.', starting and ending with a letter or digit), got \"" + key + "\"";
        }
        return null;
    }

    /** Label value: empty or at most 63 characters of a-z, A-Z, 0-9, '-', '_' and '.', starting and ending with a letter or digit. */
    public static String labelValue(String value) {
        if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
            return "must be at most 63 characters of a-z, A-Z, 0-9, '-', '_' and '.', starting and ending with "
                    + "a letter or digit, got \"" + value + "\"";
        }
        return null;
    }

    /** An HTTPRoute Exact or PathPrefix path value, checked as the Gateway API CRD checks it. */
    public static String httpPath(String value) {
        if (value.length() > 1024) {
            return "must be at most 1024 characters, got " + value.length();
        }
        if (!value.startsWith("/")) {
            return "must be an absolute path starting with '/', got \"" + value + "\"";
        }
        for (String bad : new String[] {"//", "/./", "/../", "%2f", "%2F", "#"}) {
            if (value.contains(bad)) {
                return "must not contain '" + bad + "', got \"" + value + "\"";
            }
        }
        for (String bad : new String[] {"/..", "/."}) {
            if (value.endsWith(bad)) {
                return "must not end with '" + bad + "', got \"" + value + "\"";
            }
        }
        if (!PATH_CHARS.matcher(value).matches()) {
            return "must only contain URL path characters (RFC 3986, '%' only as %XX), got \"" + value + "\"";
        }
        return null;
    }

    /**
     * A regular expression in the RE2 syntax the proxy matches with. The syntax is checked with java.util.regex,
     * and the Java-only constructs RE2 rejects are refused here rather than by the proxy.
     */
    public static String regex(String value) {
        if (value.isEmpty()) {
            return "must be a non-empty regular expression";
        }
        try {
            // RE2 names groups (?P<name>...) or (?<name>...) with '_' allowed; Java knows neither spelling fully
            Pattern.compile(RE2_NAMED_GROUP.matcher(value).replaceAll("("));
        } catch (PatternSyntaxException e) {
            return "must be a valid regular expression: " + e.getDescription() + " near index " + e.getIndex()
                    + " of \"" + value + "\"";
        }
        String unsupported = javaOnlyConstruct(value);
        if (unsupported != null) {
            return "uses " + unsupported + ", which RE2 does not support: \"" + value + "\"";
        }
        return null;
    }

    /** The first construct java.util.regex accepts but RE2 (the proxy's matcher) rejects, or null. */
    private static String javaOnlyConstruct(String re) {
        boolean inClass = false;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                char next = i + 1 < re.length() ? re.charAt(i + 1) : ' ';
                if (!inClass && ((next >= '1' && next <= '9') || next == 'k')) {
                    return "a backreference";
                }
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
                // a ']' first in a class (after an optional '^') is a literal, not the end of the class
                if (re.startsWith("^", i + 1)) {
                    i++;
                }
                if (re.startsWith("]", i + 1)) {
                    i++;
                }
            } else if (re.startsWith("(?=", i) || re.startsWith("(?!", i) || re.startsWith("(?<=", i)
                    || re.startsWith("(?<!", i)) {
                return "a lookaround";
            } else if (re.startsWith("(?>", i)) {
                return "an atomic group";
            } else if ((c == '*' || c == '+' || c == '?') && re.startsWith("+", i + 1)) {
                return "a possessive quantifier";
            }
        }
        return null;
    }

    /** An endpoint address: an IPv4 or IPv6 literal, or a DNS name. */
    public static String address(String value) {
        boolean valid = value.indexOf(':') >= 0 ? isIpv6(value)
                : IPV4.matcher(value).matches()
                  || (value.length() <= 253 && DNS_NAME.matcher(value).matches() && !value.matches("^[0-9.]+$"));
        if (!valid) {
            return "must be an IPv4 or IPv6 address or a DNS name, got \"" + value + "\"";
        }
        return null;
    }

    /** A SPIFFE trust domain: lowercase letters, digits, '.', '-' and '_', at most 255 characters. */
    public static String trustDomain(String value) {
        if (value.isEmpty() || value.length() > 255 || !TRUST_DOMAIN.matcher(value).matches()) {
            return "must be a SPIFFE trust domain (a-z, 0-9, '.', '-' and '_', at most 255 characters), got \""
                    + value + "\"";
        }
        return null;
    }

    private static boolean isIpv6(String value) {
        String text = value;
        int groups = 0;
        int lastColon = text.lastIndexOf(':');
        String tail = text.substring(lastColon + 1);
        if (tail.contains(".")) {
            if (!IPV4.matcher(tail).matches()) {
                return false;
            }
            text = text.substring(0, lastColon + 1) + "0:0";
        }
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        String[] halves = doubleColon >= 0
                ? new String[] {text.substring(0, doubleColon), text.substring(doubleColon + 2)}
                : new String[] {text};
        for (String half : halves) {
            if (half.isEmpty()) {
                continue;
            }
            for (String group : half.split(":", -1)) {
                if (group.isEmpty() || group.length() > 4 || !group.matches("[0-9A-Fa-f]+")) {
                    return false;
                }
                groups++;
            }
        }
        return doubleColon >= 0 ? groups < 8 : groups == 8;
    }
}
