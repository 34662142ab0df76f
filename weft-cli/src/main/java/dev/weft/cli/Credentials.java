package dev.weft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How the CLI reaches a control plane when no option says: {@code $WEFT_HOME/credentials.json} holding
 * {@code {"server", "token", "caFile"}}, written owner-only by {@code weft control-plane} and {@code weft demo} when
 * they start. The home is the {@code weft.home} system property (tests point it into {@code target/}), else
 * {@code $WEFT_HOME}, else {@code ~/.weft}.
 */
record Credentials(URI server, String token, Path caFile) {
    static final String FILE_NAME = "credentials.json";
    static final String HOME_PROPERTY = "weft.home";
    static final String HOME_ENV = "WEFT_HOME";

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    Credentials {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(token, "token");
        caFile = Objects.requireNonNull(caFile, "caFile").toAbsolutePath().normalize();
    }

    /** The directory of the CLI's own files. */
    static Path home() {
        String property = System.getProperty(HOME_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv(HOME_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".weft");
    }

    /** {@code <home>/credentials.json}. */
    static Path defaultFile() {
        return home().resolve(FILE_NAME);
    }

    /**
     * The credentials in {@code file}; empty when there is no such file.
     *
     * @throws IOException when it cannot be read or is not a credentials file (the message names it)
     */
    static Optional<Credentials> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IOException(file + ": expected a JSON object {\"server\", \"token\", \"caFile\"}");
        }
        try {
            return Optional.of(new Credentials(URI.create(field(tree, "server", file)), field(tree, "token", file),
                    Path.of(field(tree, "caFile", file))));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": server: " + e.getMessage(), e);
        }
    }

    /** Replaces {@code file} with these credentials, owner-only (0600), atomically; its directory is made 0700. */
    void write(Path file) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory.getParent());
            try {
                Files.createDirectory(directory, attributes(directory.getParent(), "rwx------"));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile by another weft
            }
        }
        ObjectNode tree = JSON.createObjectNode().put("server", server.toString()).put("token", token)
                .put("caFile", caFile.toAbsolutePath().toString());
        Path temporary = directory.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), attributes(directory, "rw-------"))) {
            ByteBuffer buffer = ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Deletes {@code file} if it still holds these credentials: a control plane that stops removes what it wrote,
     * but not what another one (started later) wrote over it.
     */
    void removeIfStillIn(Path file) {
        try {
            if (read(file).filter(this::equals).isPresent()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // not ours any more, or unreadable: leave it to whoever wrote it
        }
    }

    private static String field(JsonNode tree, String name, Path file) throws IOException {
        JsonNode value = tree.get(name);
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            throw new IOException(file + ": " + name + ": a non-empty string is required");
        }
        return value.textValue();
    }

    private static FileAttribute<?>[] attributes(Path where, String permissions) throws IOException {
        return Files.getFileStore(where).supportsFileAttributeView(PosixFileAttributeView.class)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                        permissions))}
                : new FileAttribute<?>[0];
    }
}
