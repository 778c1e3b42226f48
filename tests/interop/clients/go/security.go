package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// security holds the connection settings, with Kafka's names for their values:
//
//	--security-protocol PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL
//	--sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 --sasl-username U --sasl-password P
//	--sasl-mechanism OAUTHBEARER --sasl-username U (an unsecured JWT whose subject is U, as
//	  Kafka's unsecured login module and librdkafka's enable.sasl.oauthbearer.unsecure.jwt make)
//	--ssl-ca FILE (PEM; default: the system's roots)
//	--ssl-certificate FILE --ssl-key FILE (PEM; a client certificate for mTLS, as Kafka's
//	  ssl.certificate.location and ssl.key.location)
type security struct {
	protocol  string
	mechanism string
	username  string
	password  string
	caFile    string
	certFile  string
	keyFile   string
}

func (s *security) register(fs *flag.FlagSet) {
	fs.StringVar(&s.protocol, "security-protocol", "PLAINTEXT", "PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL")
	fs.StringVar(&s.mechanism, "sasl-mechanism", "PLAIN", "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|OAUTHBEARER")
	fs.StringVar(&s.username, "sasl-username", "", "SASL user")
	fs.StringVar(&s.password, "sasl-password", "", "SASL password")
	fs.StringVar(&s.caFile, "ssl-ca", "", "CA certificates (PEM) to trust")
	fs.StringVar(&s.certFile, "ssl-certificate", "", "client certificate chain (PEM), for mTLS")
	fs.StringVar(&s.keyFile, "ssl-key", "", "the client certificate's private key (PEM)")
}

// unsecuredJWT is a token with no signature ("alg": "none") for subject sub, valid for an
// hour, as Kafka's unsecured validator takes it.
func unsecuredJWT(sub string) (string, error) {
	now := time.Now().Unix()
	claims, err := json.Marshal(map[string]any{"sub": sub, "iat": now, "exp": now + 3600})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(claims) + ".", nil
}

// opts gives the franz-go options for these settings.
func (s *security) opts() ([]kgo.Opt, error) {
	var useTLS, useSASL bool
	switch s.protocol {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		return nil, fmt.Errorf("bad --security-protocol %q", s.protocol)
	}
	var opts []kgo.Opt
	if useTLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if s.caFile != "" {
			pem, err := os.ReadFile(s.caFile)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("no certificate in --ssl-ca " + s.caFile)
			}
			cfg.RootCAs = pool
		}
		if s.certFile != "" || s.keyFile != "" {
			pair, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
			if err != nil {
				return nil, fmt.Errorf("client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	if useSASL {
		switch s.mechanism {
		case "PLAIN":
			opts = append(opts, kgo.SASL(plain.Auth{User: s.username, Pass: s.password}.AsMechanism()))
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: s.username, Pass: s.password}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: s.username, Pass: s.password}.AsSha512Mechanism()))
		case "OAUTHBEARER":
			token, err := unsecuredJWT(s.username)
			if err != nil {
				return nil, err
			}
			opts = append(opts, kgo.SASL(oauth.Auth{Token: token}.AsMechanism()))
		default:
			return nil, fmt.Errorf("bad --sasl-mechanism %q", s.mechanism)
		}
	}
	return opts, nil
}

// checkLogin, with SASL or a client certificate, connects once before anything is produced,
// so that a refused login or certificate is reported as such (franz-go retries records
// through failed logins until their timeout).
func (s *security) checkLogin(cl *kgo.Client, timeout time.Duration) error {
	if s.protocol != "SASL_PLAINTEXT" && s.protocol != "SASL_SSL" && s.protocol != "SSL" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(timeout, 15*time.Second))
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	return nil
}
