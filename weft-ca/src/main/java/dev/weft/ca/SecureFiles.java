package dev.weft.ca;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Owner-only files and directories: created 0600 / 0700 on POSIX file systems, replaced atomically (temporary
 * file forced to disk, then renamed) so a crash leaves the old or the new content, never a torn file.
 */
final class SecureFiles {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecureFiles() {
    }

    /** Creates {@code directory} (and missing parents) if needed; a directory created here is owner-only. */
    static void createPrivateDirectory(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Files.createDirectories(directory.getParent());
        try {
            Files.createDirectory(directory, attributes(directory.getParent(), DIRECTORY));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(directory)) {
                throw e;
            }
            return;
        }
        // the umask may have removed bits from the requested mode but never adds any; set it exactly anyway
        if (posix(directory)) {
            Files.setPosixFilePermissions(directory, DIRECTORY);
        }
    }

    /** Replaces {@code file} with {@code content} (UTF-8), owner-only, atomically. */
    static void write(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                attributes(file.getParent(), FILE))) {
            ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        if (posix(temporary)) {
            Files.setPosixFilePermissions(temporary, FILE);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Refuses a private key file that its group or others may access.
     *
     * @throws CaException naming the file and its permissions
     */
    static void requireOwnerOnly(Path keyFile) throws CaException {
        Set<PosixFilePermission> permissions;
        try {
            if (!posix(keyFile)) {
                return;
            }
            permissions = Files.getPosixFilePermissions(keyFile);
        } catch (IOException e) {
            throw new CaException(keyFile, "cannot read the file's permissions: " + e, e);
        }
        if (permissions.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
            throw new CaException(keyFile, "the private key is accessible by group or others (permissions "
                    + PosixFilePermissions.toString(permissions) + "); make it owner-only: chmod 600 " + keyFile);
        }
    }

    /** Deletes a directory and everything in it; nothing when it does not exist. */
    static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(directory)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            Files.delete(path);
        }
    }

    static String read(Path file) throws CaException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CaException(file, "cannot read: " + e, e);
        }
    }

    private static boolean posix(Path path) throws IOException {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && Files.getFileStore(existing).supportsFileAttributeView(PosixFileAttributeView.class);
    }

    private static FileAttribute<?>[] attributes(Path where, Set<PosixFilePermission> permissions)
            throws IOException {
        return posix(where)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
    }
}
