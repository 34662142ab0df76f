package dev.weft.proxy.route;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;

/** Compiles Envoy's RE2 regexes and rewrite substitutions with RE2J, once, at config load. */
final class Regexes {
    private Regexes() {
    }

    /** Compiles {@code m.regex}; {@code path} names the RegexMatcher. */
    static Pattern compile(RegexMatcher m, String path) throws ConfigException {
        if (m.getRegex().isEmpty()) {
            throw new ConfigException(path + ".regex", "must not be empty");
        }
        try {
            return Pattern.compile(m.getRegex());
        } catch (PatternSyntaxException e) {
            throw new ConfigException(path + ".regex", e.getDescription(), e);
        }
    }

    /** A compiled pattern with its substitution, applied to every match like RE2's GlobalReplace. */
    record Substitution(Pattern pattern, String replacement) {
        String replaceAll(CharSequence input) {
            return pattern.matcher(input).replaceAll(replacement);
        }
    }

    /** Compiles a RegexMatchAndSubstitute; {@code path} names it. */
    static Substitution substitution(RegexMatchAndSubstitute s, String path) throws ConfigException {
        if (!s.hasPattern()) {
            throw new ConfigException(path + ".pattern", "is required");
        }
        Pattern p = compile(s.getPattern(), path + ".pattern");
        return new Substitution(p, toRe2jReplacement(s.getSubstitution(), p.groupCount(), path + ".substitution"));
    }

    /**
     * RE2 writes capture groups as {@code \1} and a backslash as {@code \\}; RE2J's replaceAll
     * uses {@code $1} and gives {@code $} and {@code \} a meaning, so the string is translated.
     */
    private static String toRe2jReplacement(String sub, int groups, String path) throws ConfigException {
        StringBuilder out = new StringBuilder(sub.length() + 8);
        for (int i = 0; i < sub.length(); i++) {
            char c = sub.charAt(i);
            if (c == '\\') {
                if (i + 1 == sub.length()) {
                    throw new ConfigException(path, "ends with a lone '\\'");
                }
                char n = sub.charAt(++i);
                if (n >= '0' && n <= '9') {
                    if (n - '0' > groups) {
                        throw new ConfigException(path, "refers to group \\" + n + " but the pattern has " + groups);
                    }
                    out.append('$').append(n);
                } else if (n == '\\') {
                    out.append("\\\\");
                } else {
                    throw new ConfigException(path, "invalid escape '\\" + n + "' (expected \\0-\\9 or \\\\)");
                }
            } else if (c == '$') {
                out.append("\\$");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
