package dev.weft.controlplane.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The secret that admits a caller to the control plane's API: 256 random bits, base64url, kept in
 * {@code <dataDir>/}{@value #FILE_NAME} (owner-only) so it survives restarts and the operator's tools can read it.
 * The first start creates it; an operator may put their own there (at least {@value #MIN_LENGTH} base64url
 * characters). A file that group or others may access is refused, like the CA's keys.
 *
 * <p>Presented tokens are compared in constant time: both sides are hashed to SHA-256 first, so neither the length
 * nor a common prefix of a guess shows in the time the comparison takes.
 */
public final class AdminToken {

    /** The token file's name in the data directory. */
    public static final String FILE_NAME = "admin-token";
    /** The shortest token accepted from a file (192 bits in base64url). */
    public static final int MIN_LENGTH = 32;

    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final String value;
    private final byte[] hash;
    private final Path file;

    private AdminToken(String value, Path file) {
        this.value = value;
        this.hash = sha256(value);
        this.file = file;
    }

    /**
     * Reads {@code <dataDir>/admin-token}, or creates it (owner-only) with a new random token when it is missing.
     *
     * @throws IOException when the file cannot be read or written, is accessible by group or others, or does not
     *                     hold a token; the message names the file
     */
    public static AdminToken loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                create(file, token + "\n");
                return new AdminToken(token, file);
            } catch (FileAlreadyExistsException e) {
                // another process made it between the check and the create: read theirs
            }
        }
        requireOwnerOnly(file);
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.length() < MIN_LENGTH || !BASE64URL.matcher(token).matches()) {
            throw new IOException(file + ": does not hold an admin token (expected: at least " + MIN_LENGTH
                    + " characters of A-Z a-z 0-9 _ -; delete the file and a new token is made at the next start)");
        }
        return new AdminToken(token, file);
    }

    /** The token, for the operator's own clients (the CLI's credentials file, in-process clients). */
    public String value() {
        return value;
    }

    /** The file the token is kept in. */
    public Path file() {
        return file;
    }

    /** Whether {@code presented} is this token, in time that does not depend on where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(hash, sha256(presented));
    }

    @Override
    public String toString() {
        return "AdminToken[" + file + "]";
    }

    private static void create(Path file, String content) throws IOException {
        boolean posix = Files.getFileStore(file.getParent()).supportsFileAttributeView(PosixFileAttributeView.class);
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        // CREATE_NEW with the mode given at creation: the token is never readable by others, not even briefly
        try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), attributes)) {
            ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private static void requireOwnerOnly(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
            throw new IOException(file + ": the admin token is accessible by group or others (permissions "
                    + PosixFilePermissions.toString(permissions) + "); make it owner-only: chmod 600 " + file);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
