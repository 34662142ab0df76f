package dev.weft.proxy.identity;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A client-side key manager that presents the workload's current SVID, read at each handshake, so a connection
 * opened after a renewal uses the new certificate while open ones carry on. Before the first certificate it
 * presents none.
 *
 * <p>A handshake asks for the alias, then separately for its chain and its key; a renewal between those calls must
 * not pair the new chain with the old key. The alias therefore names the certificate's generation, and the previous
 * generation stays available.
 */
final class SvidKeyManager extends X509ExtendedKeyManager {
    private static final String PREFIX = "svid-";

    private record Generation(long number, WorkloadCertificate certificate) {
    }

    private volatile Generation current;
    private volatile Generation previous;

    /** Presents {@code certificate} from the next handshake on. */
    synchronized void update(WorkloadCertificate certificate) {
        Generation now = current;
        previous = now;
        current = new Generation(now == null ? 1 : now.number() + 1, certificate);
    }

    private String alias() {
        Generation g = current;
        return g == null ? null : PREFIX + g.number();
    }

    private WorkloadCertificate lookup(String alias) {
        for (Generation g : new Generation[] {current, previous}) {
            if (g != null && (PREFIX + g.number()).equals(alias)) {
                return g.certificate();
            }
        }
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return alias();
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return alias();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = alias();
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        WorkloadCertificate c = lookup(alias);
        return c == null ? null : c.chain();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        WorkloadCertificate c = lookup(alias);
        return c == null ? null : c.privateKey();
    }

    // the control plane channel is a client only

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
