package dev.weft.proxy.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PEM files for TLS tests, made with the openssl command line in a temporary directory: a CA with
 * a server and a client certificate (EC, PKCS#8 keys), an unrelated CA, and self-signed
 * certificates whose keys are PKCS#1 (RSA) and SEC1 (EC).
 */
final class TestPki {
    final Path dir;

    TestPki(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        selfSigned("ca", "test-ca", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
        selfSigned("other-ca", "other-ca", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1");
        signed("server", "localhost");
        signed("client", "weft-client");
        openssl("genrsa", "-traditional", "-out", "rsa.key", "2048");
        selfSigned("rsa", "rsa", "-key", "rsa.key");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sec1.key");
        selfSigned("sec1", "sec1", "-key", "sec1.key");
    }

    /** The path of a generated file, e.g. "server.pem" or "server.key". */
    String path(String name) {
        return dir.resolve(name).toString();
    }

    private void selfSigned(String name, String cn, String... keyArgs) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=" + cn,
                "-out", name + ".pem"));
        args.addAll(List.of(keyArgs));
        if (keyArgs[0].equals("-newkey")) {
            args.addAll(List.of("-keyout", name + ".key"));
        }
        openssl(args.toArray(new String[0]));
    }

    private void signed(String name, String cn) throws IOException, InterruptedException {
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "1", "-out", name + ".pem");
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl timed out: " + command);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("openssl failed: " + command + "\n" + output);
        }
    }
}
