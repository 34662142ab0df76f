package dev.weft.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One-time join tokens: each is bound to a namespace and an account, expires after its time to live, and can be
 * redeemed once for that identity. Only a SHA-256 hash of each token is kept (the tokens have 256 bits of entropy, so
 * a plain hash cannot be reversed), in an owner-only file that a restart reads back; a redemption is on disk before
 * it succeeds, so a crash cannot make a token usable twice. Tokens stay listed {@value #RETENTION_HOURS} hours after
 * they expire, so a late reuse is reported as such. Thread-safe.
 */
public final class JoinTokens {

    static final int RETENTION_HOURS = 24;
    private static final Duration RETENTION = Duration.ofHours(RETENTION_HOURS);
    private static final int TOKEN_BYTES = 32;
    private static final int MAX_TOKEN_LENGTH = 256;
    private static final String HEADER = "# weft join tokens v1: sha256(token) namespace account expires-at used-at|-";

    private final Path file;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** By hash of the token, in creation order. */
    private final Map<String, Entry> entries;

    private record Entry(String namespace, String account, Instant expiresAt, Instant usedAt) {
    }

    private JoinTokens(Path file, Clock clock, Map<String, Entry> entries) {
        this.file = file;
        this.clock = clock;
        this.entries = entries;
    }

    /**
     * The join tokens kept in {@code file} (none when it does not exist yet).
     *
     * @throws CaException when the file cannot be read back, naming it and the line
     */
    public static JoinTokens open(Path file, Clock clock) throws CaException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        if (Files.exists(file)) {
            List<String> lines = SecureFiles.read(file).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split(" ");
                try {
                    if (fields.length != 5 || fields[0].length() != 64) {
                        throw new IllegalArgumentException("expected 5 fields: " + HEADER.substring(2));
                    }
                    HexFormat.of().parseHex(fields[0]);
                    entries.put(fields[0], new Entry(
                            SpiffeId.requireSegment(fields[1], "namespace"),
                            SpiffeId.requireSegment(fields[2], "account"),
                            Instant.parse(fields[3]),
                            fields[4].equals("-") ? null : Instant.parse(fields[4])));
                } catch (IllegalArgumentException | DateTimeParseException e) {
                    throw new CaException(file, "line " + (i + 1) + ": " + e.getMessage(), e);
                }
            }
        }
        return new JoinTokens(file, clock, entries);
    }

    /**
     * Creates a token for {@code namespace}/{@code account} that can be redeemed once within {@code ttl}.
     *
     * @return the token: 43 URL-safe characters; it is shown once and cannot be recovered from what is stored
     */
    public synchronized String create(String namespace, String account, Duration ttl) throws IOException {
        SpiffeId.requireSegment(namespace, "namespace");
        SpiffeId.requireSegment(account, "account");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String hash = hash(token);
        entries.put(hash, new Entry(namespace, account, clock.instant().plus(ttl), null));
        try {
            persist();
        } catch (IOException e) {
            entries.remove(hash);
            throw e;
        }
        return token;
    }

    /**
     * Redeems a token for {@code requested}: succeeds once, while the token is unexpired and bound to the
     * requested namespace and account. A refusal for the wrong identity leaves the token usable by its own.
     *
     * @throws JoinTokenRefusedException UNKNOWN, REUSED, EXPIRED or IDENTITY_MISMATCH
     * @throws IOException when the redemption cannot be recorded (the token then stays unused)
     */
    public synchronized void redeem(String token, SpiffeId requested) throws JoinTokenRefusedException, IOException {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            throw new JoinTokenRefusedException(JoinTokenRefusedException.Reason.UNKNOWN, "no such join token");
        }
        String hash = hash(token);
        Entry entry = entries.get(hash);
        if (entry == null) {
            throw new JoinTokenRefusedException(JoinTokenRefusedException.Reason.UNKNOWN, "no such join token");
        }
        if (entry.usedAt() != null) {
            throw new JoinTokenRefusedException(JoinTokenRefusedException.Reason.REUSED,
                    "the token was already used at " + entry.usedAt());
        }
        Instant now = clock.instant();
        if (!now.isBefore(entry.expiresAt())) {
            throw new JoinTokenRefusedException(JoinTokenRefusedException.Reason.EXPIRED,
                    "the token expired at " + entry.expiresAt());
        }
        if (!entry.namespace().equals(requested.namespace()) || !entry.account().equals(requested.account())) {
            throw new JoinTokenRefusedException(JoinTokenRefusedException.Reason.IDENTITY_MISMATCH,
                    "the token is for namespace " + entry.namespace() + ", account " + entry.account()
                            + ", not for " + requested);
        }
        entries.put(hash, new Entry(entry.namespace(), entry.account(), entry.expiresAt(), now));
        try {
            persist();
        } catch (IOException e) {
            entries.put(hash, entry);
            throw e;
        }
    }

    /** The number of tokens that can still be redeemed. */
    public synchronized int redeemable() {
        Instant now = clock.instant();
        return (int) entries.values().stream()
                .filter(e -> e.usedAt() == null && now.isBefore(e.expiresAt()))
                .count();
    }

    private void persist() throws IOException {
        Instant horizon = clock.instant().minus(RETENTION);
        entries.values().removeIf(e -> e.expiresAt().isBefore(horizon));
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        entries.forEach((hash, e) -> out.append(hash).append(' ').append(e.namespace()).append(' ')
                .append(e.account()).append(' ').append(e.expiresAt()).append(' ')
                .append(e.usedAt() == null ? "-" : e.usedAt().toString()).append('\n'));
        SecureFiles.write(file, out.toString());
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
