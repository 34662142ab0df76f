package dev.weft.ca;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The layout of a CA directory, all owner-only:
 * <pre>
 * bundle.pem            the trusted roots (the trust bundle)
 * active                the generation of the issuer in use
 * issuers/N/chain.pem   issuer N: its certificate, then each issuer up to the self-signed root
 * issuers/N/key.pem     issuer N's private key (PKCS#8)
 * join-tokens           hashed join tokens
 * </pre>
 * Each change is one atomic step (an issuer directory renamed into place, or a file replaced), so the directory
 * read back after a crash is either before or after each step; {@link CertificateAuthority} decides from it which
 * issuers are pending, active or old.
 */
final class CaDirectory {

    static final String BUNDLE = "bundle.pem";
    static final String ACTIVE = "active";
    static final String ISSUERS = "issuers";
    static final String CHAIN = "chain.pem";
    static final String KEY = "key.pem";
    static final String JOIN_TOKENS = "join-tokens";
    private static final String TEMPORARY_PREFIX = ".new-";

    private final Path root;

    CaDirectory(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path bundleFile() {
        return root.resolve(BUNDLE);
    }

    Path activeFile() {
        return root.resolve(ACTIVE);
    }

    Path issuerDirectory(int generation) {
        return root.resolve(ISSUERS).resolve(Integer.toString(generation));
    }

    Path joinTokensFile() {
        return root.resolve(JOIN_TOKENS);
    }

    void create() throws CaException {
        try {
            SecureFiles.createPrivateDirectory(root);
            SecureFiles.createPrivateDirectory(root.resolve(ISSUERS));
        } catch (IOException e) {
            throw new CaException(root, "cannot create the CA directory: " + e, e);
        }
    }

    /** True once a first start completed (the active issuer is the last file a first start writes). */
    boolean initialized() {
        return Files.exists(activeFile());
    }

    /** Removes what an interrupted first start left; nothing in it was ever used to issue. */
    void clearInterruptedStart() throws CaException {
        try {
            SecureFiles.deleteTree(root.resolve(ISSUERS));
            Files.deleteIfExists(bundleFile());
            SecureFiles.createPrivateDirectory(root.resolve(ISSUERS));
        } catch (IOException e) {
            throw new CaException(root, "cannot clear an interrupted first start: " + e, e);
        }
    }

    int readActive() throws CaException {
        String text = SecureFiles.read(activeFile()).trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new CaException(activeFile(), "holds \"" + text + "\", not an issuer generation number");
        }
    }

    void writeActive(int generation) throws CaException {
        write(activeFile(), generation + "\n");
    }

    TrustBundle readBundle() throws CaException {
        try {
            return TrustBundle.fromPem(SecureFiles.read(bundleFile()));
        } catch (IllegalArgumentException e) {
            throw new CaException(bundleFile(), e.getMessage(), e);
        }
    }

    void writeBundle(TrustBundle bundle) throws CaException {
        write(bundleFile(), bundle.toPem());
    }

    /** The issuer generations present, after removing directories an interrupted {@link #writeIssuer} left. */
    SortedSet<Integer> generations() throws CaException {
        Path issuers = root.resolve(ISSUERS);
        SortedSet<Integer> generations = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(issuers)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(TEMPORARY_PREFIX)) {
                    SecureFiles.deleteTree(entry);
                    continue;
                }
                try {
                    generations.add(Integer.parseInt(name));
                } catch (NumberFormatException e) {
                    throw new CaException(entry, "unexpected entry in " + issuers
                            + " (expected only issuer directories named by number)");
                }
            }
        } catch (IOException e) {
            throw new CaException(issuers, "cannot list: " + e, e);
        }
        return generations;
    }

    /** Reads a stored issuer; its key file must be owner-only. Validity in time is the caller's concern. */
    Issuer readIssuer(int generation) throws CaException {
        Path chainFile = issuerDirectory(generation).resolve(CHAIN);
        Path keyFile = issuerDirectory(generation).resolve(KEY);
        return readIssuer(generation, chainFile, keyFile, null);
    }

    /**
     * Reads issuer material from a chain and a key file: the key file must be owner-only; with {@code validAt},
     * every certificate must be valid then.
     */
    static Issuer readIssuer(int generation, Path chainFile, Path keyFile, Instant validAt) throws CaException {
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(SecureFiles.read(chainFile));
        } catch (IllegalArgumentException e) {
            throw new CaException(chainFile, e.getMessage(), e);
        }
        SecureFiles.requireOwnerOnly(keyFile);
        PrivateKey key;
        try {
            key = Pem.privateKey(SecureFiles.read(keyFile));
        } catch (IllegalArgumentException e) {
            throw new CaException(keyFile, e.getMessage(), e);
        }
        return Issuer.check(generation, chain, key, chainFile, keyFile, validAt);
    }

    /** Stores an issuer: written under a temporary name, then renamed, so it appears complete or not at all. */
    void writeIssuer(Issuer issuer) throws CaException {
        Path target = issuerDirectory(issuer.generation());
        Path temporary = target.resolveSibling(TEMPORARY_PREFIX + issuer.generation());
        try {
            SecureFiles.deleteTree(temporary);
            SecureFiles.createPrivateDirectory(temporary);
            SecureFiles.write(temporary.resolve(CHAIN), Pem.encode(issuer.chain()));
            SecureFiles.write(temporary.resolve(KEY), Pem.encode(issuer.key()));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CaException(target, "cannot store the issuer: " + e, e);
        }
    }

    void deleteIssuer(int generation) throws CaException {
        Path directory = issuerDirectory(generation);
        try {
            SecureFiles.deleteTree(directory);
        } catch (IOException e) {
            throw new CaException(directory, "cannot delete the old issuer: " + e, e);
        }
    }

    private static void write(Path file, String content) throws CaException {
        try {
            SecureFiles.write(file, content);
        } catch (IOException e) {
            throw new CaException(file, "cannot write: " + e, e);
        }
    }
}
