package dev.weft.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets compile once with errors that name the field; the store resolves names local first and tells listeners. */
class SecretStoreTest {
    @TempDir
    static Path dir;
    static MeshPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
    }

    @Test
    void aLocalSecretWinsOverTheSameNameFromSdsAndListenersHearOfEachChange() throws Exception {
        SecretStore store = new SecretStore();
        List<Set<String>> changes = new ArrayList<>();
        store.addListener(changes::add);
        Credential fromCp = pki.svid("default", "ratings");
        Credential local = pki.svid("default", "reviews");

        store.replaceXds(Map.of(Secrets.DEFAULT, Secrets.compile(fromCp.secret(Secrets.DEFAULT), "Secret[default]"),
                Secrets.ROOTCA, Secrets.compile(pki.rootCa(), "Secret[ROOTCA]")));
        assertThat(store.certificate(Secrets.DEFAULT).leaf()).isEqualTo(fromCp.leaf());
        store.provideLocally(Secrets.DEFAULT, local.secret(Secrets.DEFAULT));

        assertThat(store.certificate(Secrets.DEFAULT).leaf()).isEqualTo(local.leaf());
        assertThat(store.isLocal(Secrets.DEFAULT)).isTrue();
        assertThat(store.isLocal(Secrets.ROOTCA)).isFalse();
        assertThat(store.validation(Secrets.ROOTCA).trustDomains()).containsOnlyKeys(MeshPki.TRUST_DOMAIN);
        assertThat(store.validation(Secrets.DEFAULT)).as("a certificate is not a validation context").isNull();
        assertThat(changes).containsExactly(Set.of(Secrets.DEFAULT, Secrets.ROOTCA), Set.of(Secrets.DEFAULT));
    }

    @Test
    void anAliasResolvesToItsOwnVersionAcrossRotations() throws Exception {
        SecretStore store = new SecretStore();
        store.provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        CertificateSecret first = store.certificate(Secrets.DEFAULT);
        store.provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        CertificateSecret second = store.certificate(Secrets.DEFAULT);

        assertThat(first.alias()).isNotEqualTo(second.alias());
        assertThat(store.byAlias(first.alias())).isSameAs(first);
        for (int i = 0; i < 4; i++) {
            store.provideLocally(Secrets.DEFAULT, pki.svid("default", "reviews").secret(Secrets.DEFAULT));
        }
        assertThat(store.byAlias(first.alias())).as("too old").isNull();
    }

    @Test
    void aKeyThatDoesNotMatchItsCertificateIsRefusedNamingTheField() throws Exception {
        Credential a = pki.svid("default", "a");
        Credential b = pki.svid("default", "b");
        Secret mixed = Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(a.chainPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(b.keyPem()))).build();

        assertThatThrownBy(() -> new SecretStore().provideLocally("default", mixed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Secret[default].tls_certificate.private_key: does not match the first certificate of inline_string");
    }

    @Test
    void aSpiffeBundleMustHoldCaCertificatesOfANamedTrustDomain() throws Exception {
        Credential leaf = pki.svid("default", "a");
        Secret notCa = spiffe("cluster.local", leaf.chainPem().substring(0, leaf.chainPem().indexOf("-----END CERTIFICATE-----") + 25));
        Secret badName = spiffe("Cluster.Local", pki.bundle().toPem());

        assertThatThrownBy(() -> Secrets.compile(notCa, "Secret[ROOTCA]"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Secret[ROOTCA].validation_context.custom_validator_config.typed_config"
                        + ".trust_domains[0].trust_bundle: in inline_string: certificate 1")
                .hasMessageContaining("is not a CA certificate");
        assertThatThrownBy(() -> Secrets.compile(badName, "Secret[ROOTCA]"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Secret[ROOTCA].validation_context.custom_validator_config.typed_config"
                        + ".trust_domains[0].name: trust domain \"Cluster.Local\"");
    }

    @Test
    void anotherValidatorThanSpiffeIsRefused() {
        Secret other = Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                .setCustomValidatorConfig(TypedExtensionConfig.newBuilder().setName("envoy.tls.cert_validator.default")
                        .setTypedConfig(Any.pack(SPIFFECertValidatorConfig.getDefaultInstance())))).build();

        assertThatThrownBy(() -> Secrets.compile(other, "Secret[ROOTCA]"))
                .hasMessage("Secret[ROOTCA].validation_context.custom_validator_config.name: envoy.tls.cert_validator.default "
                        + "is not supported by Weft (supported: envoy.tls.cert_validator.spiffe)");
    }

    private static Secret spiffe(String td, String pem) {
        return Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
                .setCustomValidatorConfig(TypedExtensionConfig.newBuilder().setName(Secrets.SPIFFE_VALIDATOR)
                        .setTypedConfig(Any.pack(SPIFFECertValidatorConfig.newBuilder()
                                .addTrustDomains(SPIFFECertValidatorConfig.TrustDomain.newBuilder().setName(td)
                                        .setTrustBundle(DataSource.newBuilder().setInlineString(pem)))
                                .build())))).build();
    }
}
