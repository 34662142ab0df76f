package dev.weft.bench.peers;

import dev.weft.ca.CaException;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.Pem;
import dev.weft.ca.SigningRefusedException;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;

/**
 * The SVIDs of the mTLS benchmark, issued by a real Weft CA in the work directory: one for the calling hop
 * ({@code sa/bench-client}) and one for the called hop ({@code sa/bench-server}), with the trust bundle, all as PEM
 * files the static bootstraps name.
 */
record MeshCertificates(String trustDomain, SpiffeId server, Path bundle, Path clientChain, Path clientKey,
                        Path serverChain, Path serverKey) {

    static MeshCertificates issue(Path dir) throws IOException {
        try {
            CertificateAuthority ca = CertificateAuthority.builder(dir.resolve("ca"), "cluster.local")
                    .svidLifetime(Duration.ofHours(24)).open();
            SpiffeId client = new SpiffeId(ca.trustDomain(), "bench", "bench-client");
            SpiffeId server = new SpiffeId(ca.trustDomain(), "bench", "bench-server");
            Path bundle = Files.writeString(dir.resolve("bundle.pem"), ca.bundle().toPem());
            Path[] c = write(ca, client, dir, "client");
            Path[] s = write(ca, server, dir, "server");
            return new MeshCertificates(ca.trustDomain(), server, bundle, c[0], c[1], s[0], s[1]);
        } catch (CaException | SigningRefusedException e) {
            throw new IOException("cannot issue the benchmark's SVIDs: " + e.getMessage(), e);
        }
    }

    private static Path[] write(CertificateAuthority ca, SpiffeId id, Path dir, String name)
            throws SigningRefusedException, IOException {
        KeyPair keys = Csr.generateKeyPair();
        Svid svid = ca.issue(id, Csr.create(keys, id));
        return new Path[] {Files.writeString(dir.resolve(name + "-chain.pem"), svid.chainPem()),
                Files.writeString(dir.resolve(name + "-key.pem"), Pem.encode(keys.getPrivate()))};
    }
}
