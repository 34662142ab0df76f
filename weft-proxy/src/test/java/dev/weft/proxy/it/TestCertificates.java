package dev.weft.proxy.it;

import dev.weft.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * PEM files made with the openssl command line in a test's directory: a CA ({@code ca.pem}) and a
 * server certificate it signed ({@code server.pem}, {@code server.key}) valid for localhost and
 * 127.0.0.1, with EC P-256 keys that the proxy, curl and nginx all read.
 */
final class TestCertificates {
    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Generates the files in {@code dir}. */
    static TestCertificates generate(Path dir) throws IOException {
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        openssl(dir, "req", "-x509", "-nodes", "-days", "1", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=weft-test-ca");
        openssl(dir, "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "1", "-extfile", "server.ext", "-out", "server.pem");
        return new TestCertificates(dir);
    }

    Path ca() {
        return dir.resolve("ca.pem");
    }

    Path serverCertificate() {
        return dir.resolve("server.pem");
    }

    Path serverKey() {
        return dir.resolve("server.key");
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        // Processes.run starts in the current directory; file names are resolved against dir instead.
        List<String> resolved = command.stream()
                .map(a -> a.endsWith(".pem") || a.endsWith(".key") || a.endsWith(".csr") || a.endsWith(".ext")
                        ? dir.resolve(a).toString() : a)
                .toList();
        Processes.Result r = Processes.run(Duration.ofSeconds(60), resolved);
        if (!r.succeeded()) {
            throw new IllegalStateException("openssl failed: " + resolved + "\n" + r.stderr());
        }
    }
}
