package dev.weft.ca;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The set of root certificates a workload trusts for its trust domain. During a root rotation it holds the old and
 * the new root, so certificates from either verify. Immutable; equal when the same roots are in the same order.
 */
public final class TrustBundle {

    private final List<X509Certificate> roots;
    /** The roots' DER encodings, so membership tests on the handshake path do not re-encode. */
    private final List<byte[]> encodings;
    private final Set<TrustAnchor> anchors;
    private final String fingerprint;

    private TrustBundle(List<X509Certificate> roots) {
        this.roots = List.copyOf(roots);
        this.encodings = this.roots.stream().map(Pem::der).toList();
        Set<TrustAnchor> anchors = new LinkedHashSet<>();
        for (X509Certificate root : this.roots) {
            anchors.add(new TrustAnchor(root, null));
        }
        this.anchors = Set.copyOf(anchors);
        this.fingerprint = fingerprintOf(this.roots);
    }

    /**
     * A bundle of these roots (duplicates dropped, order kept).
     *
     * @throws IllegalArgumentException when the list is empty or one is not a CA certificate
     */
    public static TrustBundle of(Collection<X509Certificate> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("a trust bundle needs at least one root certificate");
        }
        List<X509Certificate> unique = new ArrayList<>();
        int index = 0;
        for (X509Certificate root : roots) {
            index++;
            if (root.getBasicConstraints() < 0) {
                throw new IllegalArgumentException("certificate " + index + " (" + root.getSubjectX500Principal()
                        + ") is not a CA certificate (basicConstraints CA:true missing)");
            }
            if (unique.stream().noneMatch(r -> Arrays.equals(Pem.der(r), Pem.der(root)))) {
                unique.add(root);
            }
        }
        return new TrustBundle(unique);
    }

    /** A bundle read from PEM {@code CERTIFICATE} blocks; the exception names the entry that is wrong. */
    public static TrustBundle fromPem(String pem) {
        return of(Pem.certificates(pem));
    }

    /** The roots as PEM, in the bundle's order. */
    public String toPem() {
        return Pem.encode(roots);
    }

    /** The roots, in the order they were added. */
    public List<X509Certificate> roots() {
        return roots;
    }

    /** The roots as PKIX trust anchors, built once. */
    public Set<TrustAnchor> trustAnchors() {
        return anchors;
    }

    public boolean contains(X509Certificate root) {
        byte[] der = Pem.der(root);
        for (byte[] encoding : encodings) {
            if (Arrays.equals(encoding, der)) {
                return true;
            }
        }
        return false;
    }

    /** This bundle with {@code root} added at the end (the same bundle when it is already there). */
    public TrustBundle with(X509Certificate root) {
        if (contains(root)) {
            return this;
        }
        List<X509Certificate> next = new ArrayList<>(roots);
        next.add(root);
        return of(next);
    }

    /**
     * This bundle without {@code root}.
     *
     * @throws IllegalArgumentException when that would leave the bundle empty
     */
    public TrustBundle without(X509Certificate root) {
        byte[] der = Pem.der(root);
        List<X509Certificate> next = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            if (!Arrays.equals(encodings.get(i), der)) {
                next.add(roots.get(i));
            }
        }
        return next.size() == roots.size() ? this : of(next);
    }

    /** SHA-256 over the roots' DER encodings in order, hex: a version for the bundle that changes when it does. */
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrustBundle other && fingerprint.equals(other.fingerprint);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("TrustBundle[");
        for (int i = 0; i < roots.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(roots.get(i).getSubjectX500Principal().getName());
        }
        return s.append(']').toString();
    }

    private static String fingerprintOf(List<X509Certificate> roots) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (X509Certificate root : roots) {
                sha256.update(Pem.der(root));
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
