package dev.weft.ca.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A private key and its certificate chain (leaf first), named by an alias unique to this version of them. */
public interface TlsCredential {

    /** Names this key and chain for a key manager; a renewed credential has another alias. */
    String alias();

    PrivateKey key();

    /** The leaf, then the intermediates up to (not including) the root. */
    List<X509Certificate> chain();
}
