package dev.weft.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Runs the curl command line client against a test server and captures status, body and errors. */
public final class Curl {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private Curl() {
    }

    /**
     * What one curl run produced.
     *
     * @param exitCode curl's exit code (0 on success; 7 connection refused, 28 timeout, ...)
     * @param status the last HTTP status received, 0 when none
     * @param httpVersion the HTTP version of the last response ("1.1", "2"), empty when none
     * @param body the response body as received
     * @param stderr curl's diagnostics (with {@code -v} the request and response headers)
     */
    public record Result(int exitCode, int status, String httpVersion, byte[] body, String stderr) {

        /** The body decoded as UTF-8. */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The curl executable on the PATH, when there is one. */
    public static Optional<Path> executable() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Arrays.stream(path.split(":"))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "curl"))
                .filter(Processes::executableExists)
                .findFirst();
    }

    /** Whether curl is installed; tests use it in an assumption. */
    public static boolean available() {
        return executable().isPresent();
    }

    /** Runs curl with {@code args} and a 30 s bound. */
    public static Result run(String... args) {
        return run(DEFAULT_TIMEOUT, List.of(args));
    }

    /**
     * Runs {@code curl -sS -o <body file> -w '%{http_code} %{http_version}' <args>} and waits at most
     * {@code timeout} (curl's own {@code --max-time} is set to the same bound).
     */
    public static Result run(Duration timeout, List<String> args) {
        Path curl = executable().orElseThrow(() -> new IllegalStateException("curl is not installed"));
        Path bodyFile = null;
        try {
            bodyFile = Files.createTempFile("weft-curl-", ".body");
            List<String> command = new ArrayList<>();
            command.add(curl.toString());
            command.addAll(List.of("-sS", "-o", bodyFile.toString(), "-w", "%{http_code} %{http_version}",
                    "--max-time", Double.toString(timeout.toMillis() / 1000.0)));
            command.addAll(args);
            Processes.Result result = Processes.run(timeout.plusSeconds(5), command);
            String[] written = result.stdout().trim().split(" ");
            int status = written.length > 0 && !written[0].isEmpty() ? Integer.parseInt(written[0]) : 0;
            String version = written.length > 1 && !"0".equals(written[1]) ? written[1] : "";
            return new Result(result.exitCode(), status, version, Files.readAllBytes(bodyFile), result.stderr());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run curl " + String.join(" ", args), e);
        } finally {
            if (bodyFile != null) {
                try {
                    Files.deleteIfExists(bodyFile);
                } catch (IOException ignored) {
                    // A leftover temp file does not affect the result.
                }
            }
        }
    }
}
