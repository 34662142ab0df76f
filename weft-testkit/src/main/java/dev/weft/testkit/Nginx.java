package dev.weft.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real nginx started for a test from a generated nginx.conf: one process in the foreground, every
 * file it writes (pid, logs, temp bodies) inside the test's work directory, listening on a free
 * loopback port. Tests check {@link #available()} in an assumption first.
 */
public final class Nginx implements AutoCloseable {

    /** Where Debian's nginx packages install the binary. */
    public static final Path BINARY = Path.of("/usr/sbin/nginx");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 3;
    private static final List<String> OPTIONAL_TEMP_PATHS = List.of("fastcgi", "uwsgi", "scgi");

    private final Path workDir;
    private final int port;
    private final ManagedProcess process;

    private Nginx(Path workDir, int port, ManagedProcess process) {
        this.workDir = workDir;
        this.port = port;
        this.process = process;
    }

    /** Whether the nginx binary is installed. */
    public static boolean available() {
        return Processes.executableExists(BINARY);
    }

    /** Starts nginx with one server whose body (locations, directives) is {@code serverBlockConfig}. */
    public static Nginx start(Path workDir, String serverBlockConfig) {
        return start(workDir, "", serverBlockConfig);
    }

    /**
     * Starts nginx with {@code httpBlockConfig} (for example upstream blocks) in the http context and
     * one server on a free loopback port whose body is {@code serverBlockConfig}. Returns once the
     * port accepts connections.
     */
    public static Nginx start(Path workDir, String httpBlockConfig, String serverBlockConfig) {
        if (!available()) {
            throw new IllegalStateException("nginx is not installed at " + BINARY);
        }
        IllegalStateException lastFailure = null;
        // A free port found up front can be taken before nginx binds it; try another one then.
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = Ports.findFree();
            Path conf = writeConfig(workDir, port, httpBlockConfig, serverBlockConfig);
            ManagedProcess process = Processes.start(workDir, workDir.resolve("nginx.out"),
                    List.of(BINARY.toString(), "-p", workDir.toString(), "-c", conf.toString(), "-e", "stderr"));
            try {
                process.awaitPort("127.0.0.1", port, START_TIMEOUT);
                return new Nginx(workDir, port, process);
            } catch (IllegalStateException e) {
                process.close();
                lastFailure = e;
                String log = read(workDir.resolve("logs/error.log"));
                if (!e.getMessage().contains("Address already in use") && !log.contains("Address already in use")) {
                    throw new IllegalStateException(e.getMessage() + "\nerror log:\n" + log, e);
                }
            }
        }
        throw lastFailure;
    }

    /** The loopback port nginx listens on. */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The directory that holds the config, logs and temp files. */
    public Path workDir() {
        return workDir;
    }

    /** The access log written so far. */
    public String accessLog() {
        return read(workDir.resolve("logs/access.log"));
    }

    /** The error log written so far, with what nginx printed on stderr before it read its config. */
    public String errorLog() {
        return process.output() + read(workDir.resolve("logs/error.log"));
    }

    @Override
    public void close() {
        process.close();
    }

    private static Path writeConfig(Path workDir, int port, String httpBlock, String serverBlock) {
        try {
            Files.createDirectories(workDir.resolve("logs"));
            Files.createDirectories(workDir.resolve("temp"));
            StringBuilder temp = new StringBuilder();
            temp.append("    client_body_temp_path ").append(workDir.resolve("temp/client_body")).append(";\n");
            temp.append("    proxy_temp_path ").append(workDir.resolve("temp/proxy")).append(";\n");
            for (String module : OPTIONAL_TEMP_PATHS) {
                if (BuildInfo.HAS_MODULE.test(module)) {
                    temp.append("    ").append(module).append("_temp_path ")
                            .append(workDir.resolve("temp/" + module)).append(";\n");
                }
            }
            // master_process off: one process in the foreground, so stopping it can never leave an
            // orphaned worker holding the port, and no user switch happens when tests run as root.
            String conf = "daemon off;\n"
                    + "master_process off;\n"
                    + "worker_processes 1;\n"
                    + "pid " + workDir.resolve("nginx.pid") + ";\n"
                    + "error_log " + workDir.resolve("logs/error.log") + " info;\n"
                    + "events {\n    worker_connections 1024;\n}\n"
                    + "http {\n"
                    + "    access_log " + workDir.resolve("logs/access.log") + ";\n"
                    + "    default_type application/octet-stream;\n"
                    + temp
                    + indent(httpBlock, "    ")
                    + "    server {\n"
                    + "        listen 127.0.0.1:" + port + ";\n"
                    + "        server_name localhost;\n"
                    + indent(serverBlock, "        ")
                    + "    }\n"
                    + "}\n";
            Path file = workDir.resolve("nginx.conf");
            Files.writeString(file, conf, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write nginx config in " + workDir, e);
        }
    }

    private static String indent(String block, String prefix) {
        if (block == null || block.isBlank()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String line : block.strip().split("\n", -1)) {
            out.append(prefix).append(line).append('\n');
        }
        return out.toString();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Which optional modules this nginx was built with, read once from {@code nginx -V}. */
    private static final class BuildInfo {
        private static final String CONFIGURE_ARGUMENTS =
                Processes.run(Duration.ofSeconds(10), List.of(BINARY.toString(), "-V")).stderr();
        static final java.util.function.Predicate<String> HAS_MODULE =
                module -> !CONFIGURE_ARGUMENTS.contains("--without-http_" + module + "_module");
    }
}
