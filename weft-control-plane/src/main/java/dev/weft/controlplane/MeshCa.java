package dev.weft.controlplane;

import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceKey;
import dev.weft.api.ResourceProblem;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.ca.CaException;
import dev.weft.ca.CertificateAuthority;
import dev.weft.controlplane.store.StoreCheck;
import dev.weft.controlplane.store.StoreSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Opens the control plane's certificate authority in {@code <dataDir>/ca} for the MeshConfig's trust domain, and
 * keeps that trust domain fixed. The trust domain the CA first issued for is recorded next to its material
 * ({@value #TRUST_DOMAIN_FILE}), because the CA's files do not say it (an operator's root need not name it); a start
 * under another one fails, and the store refuses a MeshConfig change (or delete) that would switch it, since every
 * SVID issued would stop verifying.
 */
final class MeshCa {

    static final String DIRECTORY = "ca";
    static final String TRUST_DOMAIN_FILE = "trust-domain";

    private MeshCa() {
    }

    /** The trust domain the stored MeshConfig names, or the default one. */
    static String trustDomain(StoreSnapshot snapshot) {
        return snapshot.ofType(MeshConfigSpec.class).stream().findFirst().map(r -> r.spec().trustDomain())
                .orElse(MeshConfigSpec.DEFAULT_TRUST_DOMAIN);
    }

    /** Refuses a store whose MeshConfig (or its absence) names another trust domain than {@code ca}'s. */
    static StoreCheck trustDomainFixed(CertificateAuthority ca) {
        ResourceKey key = new ResourceKey(Kind.MESH_CONFIG, "", MeshConfigSpec.NAME);
        return after -> {
            Resource<?> mesh = after.get(key);
            String configured = mesh != null && mesh.spec() instanceof MeshConfigSpec spec ? spec.trustDomain()
                    : MeshConfigSpec.DEFAULT_TRUST_DOMAIN;
            if (configured.equals(ca.trustDomain())) {
                return List.of();
            }
            String change = mesh == null ? "deleting it would change it to the default " + configured
                    : "cannot change to " + configured;
            return List.of(new ResourceProblem(null, 0, key.toString(), "spec.trustDomain", "the certificate "
                    + "authority issues for trust domain " + ca.trustDomain() + "; " + change + " while SVIDs of "
                    + ca.trustDomain() + " are in use (a new trust domain needs a new CA: stop the control plane "
                    + "and move its data directory's ca/ away)"));
        };
    }

    /**
     * Opens (or on first start creates) the CA for {@code trustDomain}.
     *
     * @throws TrustDomainConflictException when the CA was created for another trust domain
     * @throws IOException when the CA's material cannot be read or written, naming the file
     */
    static CertificateAuthority open(ControlPlaneConfig config, String trustDomain) throws IOException {
        Path directory = config.dataDir().resolve(DIRECTORY);
        Path record = directory.resolve(TRUST_DOMAIN_FILE);
        if (Files.exists(record)) {
            String issuing = Files.readString(record, StandardCharsets.UTF_8).strip();
            if (!issuing.equals(trustDomain)) {
                throw new TrustDomainConflictException(directory, issuing, trustDomain);
            }
        }
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.builder(directory, trustDomain)
                    .clock(config.clock())
                    .svidLifetime(config.svidLifetime())
                    .open();
        } catch (CaException e) {
            throw new IOException("cannot open the certificate authority: " + e.getMessage(), e);
        }
        if (!Files.exists(record)) {
            Path temporary = directory.resolve(TRUST_DOMAIN_FILE + ".tmp");
            Files.writeString(temporary, trustDomain + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return ca;
    }
}
