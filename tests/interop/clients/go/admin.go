package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// adminPartitions and adminExpect are the admin script every driver runs
// (tests/interop/README.md): operation -> the result Kafka gives.
const adminPartitions = 3

var adminExpect = map[string]string{
	"create":           "created",
	"create_again":     "TOPIC_ALREADY_EXISTS",
	"describe":         fmt.Sprintf("partitions=%d", adminPartitions),
	"describe_configs": "retention.ms=3600000",
	"alter_configs":    "retention.ms=7200000",
	"delete":           "deleted",
	"delete_again":     "UNKNOWN_TOPIC_OR_PARTITION",
	"list_acls":        "SECURITY_DISABLED",
	"scram_upsert":     "SCRAM-SHA-256=iterations=8192",
	"scram_delete":     "RESOURCE_NOT_FOUND",
}

// errName is Kafka's name for a broker error, else the error's text.
func errName(err error) string {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	return err.Error()
}

// admin creates, describes (topic and configs), alters and deletes o.topic with kadm, then
// lists every ACL (SECURITY_DISABLED from a broker without an authorizer), then creates a
// SCRAM-SHA-256 credential for the user o.topic+"-user" and deletes it (each described until
// the change shows), one JSON line per operation; exit 1 unless every result is Kafka's.
func admin(o *options) int {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("kwire-interop-franz-go"),
	)
	if err != nil {
		emit(map[string]string{"client": client, "op": "admin", "fatal": err.Error()})
		return 1
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.timeoutS*float64(time.Second)))
	defer cancel()

	rc := 0
	step := func(op string, fn func() (string, error)) {
		result, err := fn()
		if err != nil {
			result = errName(err)
		}
		ok := result == adminExpect[op]
		if !ok {
			rc = 1
		}
		emit(map[string]any{"client": client, "op": "admin." + op, "result": result, "ok": ok})
	}
	retention := "3600000"
	create := func() (string, error) {
		r, err := adm.CreateTopic(ctx, adminPartitions, int16(o.replicationFactor),
			map[string]*string{"retention.ms": &retention}, o.topic)
		if err == nil {
			err = r.Err
		}
		return "created", err
	}
	describeConfigs := func() (string, error) {
		rcs, err := adm.DescribeTopicConfigs(ctx, o.topic)
		if err != nil {
			return "", err
		}
		for _, r := range rcs {
			if r.Err != nil {
				return "", r.Err
			}
			for _, c := range r.Configs {
				if c.Key == "retention.ms" && c.Value != nil {
					return "retention.ms=" + *c.Value, nil
				}
			}
		}
		return "retention.ms missing", nil
	}
	del := func() (string, error) {
		r, err := adm.DeleteTopic(ctx, o.topic)
		if err == nil {
			err = r.Err
		}
		return "deleted", err
	}
	step("create", create)
	step("create_again", create)
	step("describe", func() (string, error) {
		td, err := adm.ListTopics(ctx, o.topic)
		if err != nil {
			return "", err
		}
		d := td[o.topic]
		if d.Err != nil {
			return "", d.Err
		}
		return fmt.Sprintf("partitions=%d", len(d.Partitions)), nil
	})
	step("describe_configs", describeConfigs)
	step("alter_configs", func() (string, error) {
		v := "7200000"
		rs, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: &v}}, o.topic)
		if err != nil {
			return "", err
		}
		for _, r := range rs {
			if r.Err != nil {
				return "", r.Err
			}
		}
		// a broker applies a config change when its metadata catches up: allow 5 s
		until := time.Now().Add(5 * time.Second)
		for {
			r, err := describeConfigs()
			if err != nil || r == adminExpect["alter_configs"] || time.Now().After(until) {
				return r, err
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	step("delete", del)
	step("delete_again", del)
	step("list_acls", func() (string, error) {
		every := kadm.NewACLs().AnyResource().ResourcePatternType(kadm.ACLPatternAny).
			Allow().AllowHosts().Deny().DenyHosts().Operations(kadm.OpAny)
		rs, err := adm.DescribeACLs(ctx, every)
		if err != nil {
			return "", err
		}
		n := 0
		for _, r := range rs {
			if r.Err != nil {
				return "", r.Err
			}
			n += len(r.Described)
		}
		return fmt.Sprintf("acls=%d", n), nil
	})
	user := o.topic + "-user"
	describeUser := func() (string, error) {
		ds, err := adm.DescribeUserSCRAMs(ctx, user)
		if err != nil {
			return "", err
		}
		d := ds[user]
		if d.Err != nil {
			return "", d.Err
		}
		infos := make([]string, 0, len(d.CredInfos))
		for _, c := range d.CredInfos {
			infos = append(infos, c.String())
		}
		return strings.Join(infos, ","), nil
	}
	// a broker learns a credential change from the metadata log: allow 10 s
	describeUntil := func(want string) (string, error) {
		until := time.Now().Add(10 * time.Second)
		for {
			r, err := describeUser()
			if err != nil {
				r = errName(err)
			}
			if r == want || time.Now().After(until) {
				return r, nil
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	alter := func(del []kadm.DeleteSCRAM, up []kadm.UpsertSCRAM) error {
		rs, err := adm.AlterUserSCRAMs(ctx, del, up)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Err != nil {
				return r.Err
			}
		}
		return nil
	}
	step("scram_upsert", func() (string, error) {
		up := kadm.UpsertSCRAM{User: user, Mechanism: kadm.ScramSha256, Iterations: 8192, Password: "kwire-secret"}
		if err := alter(nil, []kadm.UpsertSCRAM{up}); err != nil {
			return "", err
		}
		return describeUntil(adminExpect["scram_upsert"])
	})
	step("scram_delete", func() (string, error) {
		if err := alter([]kadm.DeleteSCRAM{{User: user, Mechanism: kadm.ScramSha256}}, nil); err != nil {
			return "", err
		}
		return describeUntil(adminExpect["scram_delete"])
	})
	return rc
}
