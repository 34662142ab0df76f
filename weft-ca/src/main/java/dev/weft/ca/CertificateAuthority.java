package dev.weft.ca;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The certificate authority of one trust domain: it keeps its signing material in an owner-only directory (a
 * self-signed ECDSA P-256 root made on first start, or a root or intermediate the operator supplies), issues X.509
 * SVIDs from CSRs, redeems join tokens, and rotates its root in three steps that each survive a restart:
 * {@link #rotateRootAdd()} (the new root joins the bundle), {@link #rotateRootActivate()} (issuing switches to
 * it), {@link #rotateRootRemoveOld()} (the old root leaves the bundle). Thread-safe: issuing reads one immutable
 * state; rotations are serialised and publish a new state after the directory holds it.
 *
 * <p>An SVID: empty subject (a CSR's subject is not trusted) and a critical subject alternative name holding only
 * the URI of the SPIFFE ID; basicConstraints CA:false and keyUsage digitalSignature (plus keyEncipherment for RSA
 * keys), both critical; extendedKeyUsage serverAuth and clientAuth; subject and authority key identifiers; a random
 * 128-bit serial; valid from slightly before now (clock skew between hosts) for the configured lifetime, never
 * beyond the issuing chain. Only the CSR's key is used (and its name checked); its other requests are ignored.
 */
public final class CertificateAuthority {

    /** The SVID lifetime unless configured. */
    public static final Duration DEFAULT_SVID_LIFETIME = Duration.ofHours(24);
    /** How far an SVID's notBefore lies before its issue unless configured, for clocks behind the CA's. */
    public static final Duration DEFAULT_BACKDATE = Duration.ofSeconds(10);
    /** The lifetime of a root the CA generates unless configured. */
    public static final Duration DEFAULT_ROOT_LIFETIME = Duration.ofDays(3650);
    /** One label of a DNS name in a certificate (RFC 1123); wildcards are not issued. */
    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private final CaDirectory directory;
    private final String trustDomain;
    private final Clock clock;
    private final Duration svidLifetime;
    private final Duration backdate;
    private final Duration rootLifetime;
    private final SigningRateLimiter rateLimiter;
    private final JoinTokens joinTokens;
    private final SecureRandom random;
    private volatile State state;

    /**
     * What the directory holds: the issuer in use, the one added but not yet issuing (if any), the ones replaced
     * but not yet removed, and the bundle.
     */
    private record State(Issuer active, Issuer pending, List<Issuer> old, TrustBundle bundle) {
        State {
            old = List.copyOf(old);
        }
    }

    private CertificateAuthority(Builder b, CaDirectory directory, State state, JoinTokens joinTokens,
            SecureRandom random) {
        this.directory = directory;
        this.trustDomain = b.trustDomain;
        this.clock = b.clock;
        this.svidLifetime = b.svidLifetime;
        this.backdate = b.backdate;
        this.rootLifetime = b.rootLifetime;
        this.rateLimiter = new SigningRateLimiter(b.signaturesPerSecond, b.signatureBurst, b.clock);
        this.joinTokens = joinTokens;
        this.random = random;
        this.state = state;
    }

    /** Starts configuring a CA that keeps its material in {@code directory} (created owner-only if missing). */
    public static Builder builder(Path directory, String trustDomain) {
        return new Builder(directory, trustDomain);
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** The roots workloads must trust now: during a rotation, the old and the new. */
    public TrustBundle bundle() {
        return state.bundle();
    }

    /** The chain the CA issues from: the issuing certificate first, the root last. */
    public List<X509Certificate> issuerChain() {
        return state.active().chain();
    }

    /** The issuing certificate added by {@link #rotateRootAdd()} and not yet activated. */
    public Optional<X509Certificate> pendingIssuer() {
        Issuer pending = state.pending();
        return pending == null ? Optional.empty() : Optional.of(pending.certificate());
    }

    /** The chain of the pending issuer (issuing certificate first, root last); empty when none is pending. */
    public List<X509Certificate> pendingIssuerChain() {
        Issuer pending = state.pending();
        return pending == null ? List.of() : pending.chain();
    }

    /** The lifetime of the SVIDs this CA issues (shorter only when the issuing chain ends sooner). */
    public Duration svidLifetime() {
        return svidLifetime;
    }

    /** The join tokens of this CA, kept in its directory. */
    public JoinTokens joinTokens() {
        return joinTokens;
    }

    /**
     * Issues an SVID for {@code identity} to the key of {@code csr}. The caller has established that the requester
     * is {@code identity} (for example by its current SVID); a name in the CSR must be that identity.
     *
     * @throws RateLimitedException when the signing rate limit is exhausted
     * @throws CsrRejectedException when the CSR's signature, key or name is refused, or the identity is of another
     *         trust domain
     * @throws IllegalStateException when the issuing chain has expired
     */
    public Svid issue(SpiffeId identity, Csr csr) throws SigningRefusedException {
        return issue(identity, csr, List.of(), List.of());
    }

    /**
     * Issues an SVID for {@code identity} that also names DNS names and IP addresses, for a server that clients
     * reach by host name or address as well as by SPIFFE ID (the control plane's own serving certificate). The SPIFFE
     * ID stays the only URI name, so the certificate is still an SVID; the CSR is checked like {@link #issue(SpiffeId,
     * Csr)}, and the extra names come from the caller, never from the CSR.
     *
     * @throws IllegalArgumentException when a DNS name is empty or not a host name
     */
    public Svid issue(SpiffeId identity, Csr csr, List<String> dnsNames, List<InetAddress> ips)
            throws SigningRefusedException {
        List<GeneralName> extraNames = new ArrayList<>();
        for (String dnsName : dnsNames) {
            extraNames.add(new GeneralName(GeneralName.dNSName, checkedDnsName(dnsName)));
        }
        for (InetAddress ip : ips) {
            extraNames.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress())));
        }
        rateLimiter.acquire();
        requireOwnTrustDomain(identity);
        PublicKey key = checkedKey(csr.request());
        SpiffeId requested = csr.requestedIdentity();
        if (requested != null && !requested.equals(identity)) {
            throw new CsrRejectedException("the CSR asks for " + requested + " but the requester is " + identity);
        }
        return sign(identity, key, extraNames);
    }

    private static String checkedDnsName(String name) {
        String[] labels = name.split("\\.", -1);
        boolean valid = !name.isEmpty() && name.length() <= 253;
        for (String label : labels) {
            valid &= DNS_LABEL.matcher(label).matches();
        }
        if (!valid) {
            throw new IllegalArgumentException("dnsNames: \"" + name + "\" (expected: a host name of letters, digits "
                    + "and hyphens in dot-separated labels, no wildcard)");
        }
        return name;
    }

    /**
     * Issues an SVID to a workload joining with a one-time token: the CSR names the identity (its one URI subject
     * alternative name), and the token must be unused, unexpired and bound to that namespace and account. The token
     * is spent only when everything else about the request is acceptable.
     *
     * @throws JoinTokenRefusedException when the token is unknown, reused, expired or for another identity
     * @throws IOException when the token's redemption cannot be recorded (nothing is issued)
     */
    public Svid issueWithJoinToken(String token, Csr csr) throws SigningRefusedException, IOException {
        rateLimiter.acquire();
        PublicKey key = checkedKey(csr.request());
        SpiffeId requested = csr.requestedIdentity();
        if (requested == null) {
            throw new CsrRejectedException("the CSR names no identity; a workload joining with a token puts its "
                    + "SPIFFE ID in the CSR as its URI subject alternative name");
        }
        requireOwnTrustDomain(requested);
        joinTokens.redeem(token, requested);
        return sign(requested, key, List.of());
    }

    /**
     * Rotation step 1: generates a new self-signed root, stores it as the pending issuer and adds it to the bundle;
     * issuing goes on from the current issuer. Distribute the bundle before step 2.
     *
     * @return the new root
     * @throws IllegalStateException when an issuer is already pending
     */
    public synchronized X509Certificate rotateRootAdd() throws CaException {
        State current = state;
        requireNoPending(current);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Issuer next = Issuer.generateRoot(nextGeneration(), trustDomain, now.minus(backdate), now.plus(rootLifetime),
                random);
        return add(current, next);
    }

    /**
     * Rotation step 1 with the operator's material: a root or an intermediate (chain PEM from the issuing
     * certificate to its self-signed root, and its key, owner-only), checked like at start, copied into the
     * directory as the pending issuer, and its root added to the bundle.
     *
     * @return the new issuing certificate
     */
    public synchronized X509Certificate rotateRootAdd(Path chainPem, Path keyPem) throws CaException {
        State current = state;
        requireNoPending(current);
        Issuer next = CaDirectory.readIssuer(nextGeneration(), chainPem, keyPem, clock.instant());
        return add(current, next);
    }

    /**
     * Rotation step 2: the pending issuer becomes the one SVIDs are issued from; the replaced issuer's root stays in
     * the bundle so its SVIDs keep verifying until they are renewed.
     *
     * @throws IllegalStateException when no issuer is pending
     */
    public synchronized void rotateRootActivate() throws CaException {
        State current = state;
        if (current.pending() == null) {
            throw new IllegalStateException("no new root to activate; add one first (rotateRootAdd)");
        }
        directory.writeActive(current.pending().generation());
        List<Issuer> old = new ArrayList<>(current.old());
        old.add(current.active());
        state = new State(current.pending(), null, old, current.bundle());
    }

    /**
     * Rotation step 3: removes the roots of the replaced issuers from the bundle and deletes their material. SVIDs
     * they issued stop verifying, so run it once those have been renewed (one SVID lifetime after step 2).
     *
     * @return the roots removed from the bundle
     * @throws IllegalStateException when there is no old issuer
     */
    public synchronized List<X509Certificate> rotateRootRemoveOld() throws CaException {
        State current = state;
        if (current.old().isEmpty()) {
            throw new IllegalStateException("no old root to remove; the bundle holds only the roots in use");
        }
        List<X509Certificate> kept = new ArrayList<>();
        kept.add(current.active().root());
        if (current.pending() != null) {
            kept.add(current.pending().root());
        }
        List<X509Certificate> removed = new ArrayList<>();
        TrustBundle bundle = current.bundle();
        for (X509Certificate root : current.bundle().roots()) {
            if (kept.stream().noneMatch(k -> k.equals(root))) {
                removed.add(root);
                bundle = bundle.without(root);
            }
        }
        if (!bundle.equals(current.bundle())) {
            directory.writeBundle(bundle);
        }
        for (Issuer issuer : current.old()) {
            directory.deleteIssuer(issuer.generation());
        }
        state = new State(current.active(), current.pending(), List.of(), bundle);
        return List.copyOf(removed);
    }

    private X509Certificate add(State current, Issuer next) throws CaException {
        directory.writeIssuer(next);
        TrustBundle bundle = current.bundle().with(next.root());
        if (!bundle.equals(current.bundle())) {
            directory.writeBundle(bundle);
        }
        state = new State(current.active(), next, current.old(), bundle);
        return next.certificate();
    }

    private static void requireNoPending(State current) {
        if (current.pending() != null) {
            throw new IllegalStateException("a new issuer (" + Certificates.describe(current.pending().certificate())
                    + ") is already added; activate it first (rotateRootActivate)");
        }
    }

    private int nextGeneration() throws CaException {
        SortedSet<Integer> generations = directory.generations();
        return generations.isEmpty() ? 1 : generations.last() + 1;
    }

    private void requireOwnTrustDomain(SpiffeId identity) throws CsrRejectedException {
        if (!identity.trustDomain().equals(trustDomain)) {
            throw new CsrRejectedException(identity + " is not in trust domain " + trustDomain);
        }
    }

    /** The CSR's key, once its signature verifies and the key is one Weft issues for. */
    private static PublicKey checkedKey(PKCS10CertificationRequest request) throws CsrRejectedException {
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(request).getPublicKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CsrRejectedException("its public key cannot be read: " + e.getMessage());
        }
        String refused = Certificates.refusedSubjectKey(key);
        if (refused != null) {
            throw new CsrRejectedException(refused);
        }
        boolean valid;
        try {
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            throw new CsrRejectedException("its signature cannot be checked: " + e.getMessage());
        }
        if (!valid) {
            throw new CsrRejectedException("its signature does not verify with its public key");
        }
        return key;
    }

    private Svid sign(SpiffeId identity, PublicKey subjectKey, List<GeneralName> extraNames) {
        Issuer issuer = state.active();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant issuerEnd = issuer.notAfter();
        if (!now.isBefore(issuerEnd)) {
            throw new IllegalStateException("the issuing chain (" + Certificates.describe(issuer.certificate())
                    + ") expired at " + issuerEnd + "; rotate to a new root");
        }
        Instant notBefore = now.minus(backdate);
        if (notBefore.isBefore(issuer.notBefore())) {
            notBefore = issuer.notBefore();
        }
        Instant notAfter = now.plus(svidLifetime);
        if (notAfter.isAfter(issuerEnd)) {
            notAfter = issuerEnd;
        }
        int keyUsage = KeyUsage.digitalSignature
                | ("RSA".equals(subjectKey.getAlgorithm()) ? KeyUsage.keyEncipherment : 0);
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()),
                    Issuer.serial(random), Date.from(notBefore), Date.from(notAfter), new X500Name(new RDN[0]),
                    subjectKey);
            // the subject is empty, so RFC 5280 wants the alternative name critical
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.toString()));
            names.addAll(extraNames);
            builder.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(names.toArray(new GeneralName[0])));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    Issuer.extensionUtils().createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, issuer.authorityKeyIdentifier());
            X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder(Certificates.signatureAlgorithm(issuer.key())).build(issuer.key())));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(leaf);
            chain.addAll(issuer.chain().subList(0, issuer.chain().size() - 1));
            return new Svid(identity, chain);
        } catch (CertIOException | OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign an SVID for " + identity + ": " + e.getMessage(), e);
        }
    }

    /** Settings of a {@link CertificateAuthority}; {@link #open()} loads or creates its directory. */
    public static final class Builder {
        private final Path directory;
        private final String trustDomain;
        private Clock clock = Clock.systemUTC();
        private Duration svidLifetime = DEFAULT_SVID_LIFETIME;
        private Duration backdate = DEFAULT_BACKDATE;
        private Duration rootLifetime = DEFAULT_ROOT_LIFETIME;
        private double signaturesPerSecond = 100;
        private int signatureBurst = 200;
        private Path operatorChain;
        private Path operatorKey;

        private Builder(Path directory, String trustDomain) {
            this.directory = directory.toAbsolutePath();
            this.trustDomain = SpiffeId.requireTrustDomain(trustDomain);
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** How long SVIDs are valid: whole seconds, at least one (default 24 h). */
        public Builder svidLifetime(Duration lifetime) {
            if (lifetime.getNano() != 0 || lifetime.getSeconds() < 1) {
                throw new IllegalArgumentException("svidLifetime: " + lifetime
                        + " (expected: a whole number of seconds, at least 1)");
            }
            this.svidLifetime = lifetime;
            return this;
        }

        /** How far before its issue an SVID becomes valid, for peers whose clocks lag (default 10 s). */
        public Builder backdate(Duration backdate) {
            if (backdate.isNegative()) {
                throw new IllegalArgumentException("backdate: " + backdate + " (expected: >= 0)");
            }
            this.backdate = backdate;
            return this;
        }

        /** How long a root the CA generates is valid (default 10 years). */
        public Builder rootLifetime(Duration lifetime) {
            if (lifetime.getSeconds() < 1) {
                throw new IllegalArgumentException("rootLifetime: " + lifetime + " (expected: at least 1 second)");
            }
            this.rootLifetime = lifetime;
            return this;
        }

        /** The signing rate limit: {@code perSecond} signatures per second, up to {@code burst} at once. */
        public Builder signingRate(double perSecond, int burst) {
            if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
                throw new IllegalArgumentException("signingRate perSecond: " + perSecond
                        + " (expected: > 0 and finite)");
            }
            if (burst < 1) {
                throw new IllegalArgumentException("signingRate burst: " + burst + " (expected: >= 1)");
            }
            this.signaturesPerSecond = perSecond;
            this.signatureBurst = burst;
            return this;
        }

        /**
         * Issue from the operator's root or intermediate instead of a generated root: {@code chainPem} holds the
         * issuing certificate, then each issuer up to the self-signed root; {@code keyPem} its unencrypted key,
         * readable by its owner only. Copied into the directory on first start; on later starts it must be the
         * issuer in use (change it by rotation).
         */
        public Builder operatorIssuer(Path chainPem, Path keyPem) {
            this.operatorChain = chainPem;
            this.operatorKey = keyPem;
            return this;
        }

        /**
         * Loads the CA from its directory, or creates it there on first start.
         *
         * @throws CaException naming the file that is missing, unreadable, readable by others or inconsistent
         */
        public CertificateAuthority open() throws CaException {
            CaDirectory dir = new CaDirectory(directory);
            SecureRandom random = new SecureRandom();
            Instant now = clock.instant();
            Issuer supplied = operatorChain == null ? null
                    : CaDirectory.readIssuer(1, operatorChain, operatorKey, now);
            dir.create();
            State state;
            if (dir.initialized()) {
                state = load(dir);
                if (supplied != null && !supplied.certificate().equals(state.active().certificate())) {
                    throw new CaException(operatorChain, "the CA directory " + directory + " already issues from "
                            + Certificates.describe(state.active().certificate()) + ", not from "
                            + Certificates.describe(supplied.certificate()) + "; change the issuer by root rotation, "
                            + "or start with an empty directory");
                }
            } else {
                dir.clearInterruptedStart();
                Instant start = now.truncatedTo(ChronoUnit.SECONDS);
                Issuer first = supplied != null ? supplied
                        : Issuer.generateRoot(1, trustDomain, start.minus(backdate), start.plus(rootLifetime), random);
                TrustBundle bundle = TrustBundle.of(List.of(first.root()));
                dir.writeIssuer(first);
                dir.writeBundle(bundle);
                dir.writeActive(first.generation());
                state = new State(first, null, List.of(), bundle);
            }
            JoinTokens tokens = JoinTokens.open(dir.joinTokensFile(), clock);
            return new CertificateAuthority(this, dir, state, tokens, random);
        }

        /**
         * Reads the directory back: issuers newer than the active one whose root is in the bundle are pending
         * (at most one), older ones are replaced; any other issuer directory is what an interrupted rotation step
         * left, never used, and is deleted.
         */
        private static State load(CaDirectory dir) throws CaException {
            SortedSet<Integer> generations = dir.generations();
            int active = dir.readActive();
            if (!generations.contains(active)) {
                throw new CaException(dir.activeFile(), "names issuer " + active + " but "
                        + dir.issuerDirectory(active) + " does not exist");
            }
            TrustBundle bundle = dir.readBundle();
            Issuer activeIssuer = dir.readIssuer(active);
            if (!bundle.contains(activeIssuer.root())) {
                throw new CaException(dir.bundleFile(), "does not hold the root ("
                        + Certificates.describe(activeIssuer.root()) + ") of the active issuer "
                        + dir.issuerDirectory(active));
            }
            Issuer pending = null;
            List<Issuer> old = new ArrayList<>();
            for (int generation : generations) {
                if (generation == active) {
                    continue;
                }
                Issuer issuer = dir.readIssuer(generation);
                boolean trusted = bundle.contains(issuer.root());
                if (generation > active && trusted) {
                    if (pending != null) {
                        throw new CaException(dir.issuerDirectory(generation), "a second pending issuer (after "
                                + dir.issuerDirectory(pending.generation()) + "); remove the one not wanted");
                    }
                    pending = issuer;
                } else if (generation < active && trusted) {
                    old.add(issuer);
                } else {
                    dir.deleteIssuer(generation);
                }
            }
            return new State(activeIssuer, pending, old, bundle);
        }
    }
}
