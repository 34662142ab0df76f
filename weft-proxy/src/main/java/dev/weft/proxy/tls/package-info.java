/**
 * TLS for listeners and clusters: SDS secrets ({@link dev.weft.proxy.tls.SecretStore}: provided locally, static,
 * or over ADS), compiled once ({@link dev.weft.proxy.tls.Secrets}), and Netty contexts
 * ({@link dev.weft.proxy.tls.TlsContextFactory}) whose key and trust managers read the current secret at each
 * handshake, so certificates and bundles rotate without rebuilding a listener. Peers are verified as SPIFFE
 * SVIDs (weft-ca's SvidVerifier) or against trusted CAs, then against SAN matchers.
 */
package dev.weft.proxy.tls;
