package dev.weft.cli;

import dev.weft.ca.SpiffeId;
import dev.weft.ca.TrustBundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The options of {@code weft proxy} that say who a sidecar is and how it proves it: its SPIFFE ID (trust domain,
 * namespace, service account), the one-time join token that admits it, and the roots that verify the control plane;
 * or {@code --insecure}, no identity at all.
 */
final class SidecarIdentityOptions {
    static final String TOKEN_ENV = "WEFT_JOIN_TOKEN";
    static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

    @Option(names = "--join-token", paramLabel = "TOKEN",
            description = "Sidecar: the one-time token that admits this workload's identity to the control plane "
                    + "(`weft token create --namespace NS --account ACCOUNT`); default: $" + TOKEN_ENV + ".")
    String joinToken;

    @Option(names = "--join-token-file", paramLabel = "FILE",
            description = "Sidecar: read the join token from this file instead (surrounding whitespace ignored).")
    Path joinTokenFile;

    @Option(names = "--trust-bundle", paramLabel = "FILE",
            description = "Sidecar: the PEM roots that verify the control plane (it writes them to "
                    + "<data-dir>/ca/bundle.pem). Required with a join token.")
    Path trustBundle;

    @Option(names = "--trust-domain", paramLabel = "TD", defaultValue = DEFAULT_TRUST_DOMAIN,
            description = "Sidecar: the mesh's trust domain, as in its MeshConfig (default: ${DEFAULT-VALUE}).")
    String trustDomain;

    @Option(names = "--service-account", paramLabel = "ACCOUNT",
            description = "Sidecar: the account of this workload's identity spiffe://TD/ns/NS/sa/ACCOUNT "
                    + "(default: --service).")
    String serviceAccount;

    @Option(names = "--insecure",
            description = "Sidecar: no identity; xDS in plaintext (the control plane must run with --insecure-xds) "
                    + "and only plaintext traffic between sidecars.")
    boolean insecure;

    /** Who the sidecar is and how it proves it; null when it runs {@code --insecure}. */
    record Resolved(SpiffeId spiffeId, String joinToken, TrustBundle trustBundle) {
        @Override
        public String toString() {
            // never the token
            return "Resolved[" + spiffeId + "]";
        }
    }

    /**
     * Checks the options of a sidecar of {@code service} in {@code namespace}, reading the token (option, file, then
     * {@code env}'s {@value #TOKEN_ENV}) and the bundle file.
     *
     * @return null with {@code --insecure}
     * @throws IllegalArgumentException naming the option that is wrong and what to do
     */
    Resolved resolve(String namespace, String service, Function<String, String> env) {
        if (insecure) {
            for (String[] given : new String[][] {{"--join-token", joinToken},
                {"--join-token-file", joinTokenFile == null ? null : joinTokenFile.toString()},
                {"--trust-bundle", trustBundle == null ? null : trustBundle.toString()},
                {"--service-account", serviceAccount}}) {
                if (given[1] != null) {
                    throw new IllegalArgumentException("--insecure runs the sidecar without an identity; it does not "
                            + "go with " + given[0]);
                }
            }
            return null;
        }
        String td;
        try {
            td = SpiffeId.requireTrustDomain(trustDomain);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--trust-domain: " + e.getMessage(), e);
        }
        String account = serviceAccount != null ? serviceAccount : service;
        try {
            SpiffeId.requireSegment(account, "service account");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--service-account: " + e.getMessage(), e);
        }
        SpiffeId id = new SpiffeId(td, namespace, account);
        String token = token(id, env);
        if (trustBundle == null) {
            throw new IllegalArgumentException("--trust-bundle: required with a join token: the PEM roots that verify "
                    + "the control plane (it writes them to <data-dir>/ca/bundle.pem; its API serves them at "
                    + "GET /v1/trust-bundle)");
        }
        return new Resolved(id, token, bundle(trustBundle));
    }

    private String token(SpiffeId id, Function<String, String> env) {
        if (joinToken != null && joinTokenFile != null) {
            throw new IllegalArgumentException("--join-token and --join-token-file: give one of them");
        }
        if (joinToken != null) {
            if (joinToken.isBlank()) {
                throw new IllegalArgumentException("--join-token: empty");
            }
            return joinToken.strip();
        }
        if (joinTokenFile != null) {
            String text;
            try {
                text = Files.readString(joinTokenFile, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--join-token-file: " + joinTokenFile + ": no such file", e);
            } catch (IOException e) {
                throw new IllegalArgumentException("--join-token-file: cannot read " + joinTokenFile + ": " + e, e);
            }
            if (text.isBlank()) {
                throw new IllegalArgumentException("--join-token-file: " + joinTokenFile + " is empty");
            }
            return text.strip();
        }
        String fromEnv = env.apply(TOKEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        throw new IllegalArgumentException("no join token: the sidecar needs one to get the certificate of " + id
                + " from the control plane. Create one with `weft token create --namespace " + id.namespace()
                + " --account " + id.account() + "` and pass it with --join-token, --join-token-file or $" + TOKEN_ENV
                + " (or run without identity with --insecure, against a control plane started with --insecure-xds)");
    }

    private static TrustBundle bundle(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--trust-bundle: " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("--trust-bundle: cannot read " + file + ": " + e, e);
        }
        try {
            return TrustBundle.fromPem(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--trust-bundle: " + file + ": " + e.getMessage()
                    + " (expected: the PEM root certificates of the mesh)", e);
        }
    }
}
