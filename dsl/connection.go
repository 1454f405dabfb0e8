package dsl

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Connection is a `connection` block: a connector type and its settings.
type Connection struct {
	Name      string
	Connector string
	// Settings are checked against the connector's spec, with defaults
	// filled in. Sensitive values are present here (the connector needs
	// them) and must be redacted with Info.Redacted before being shown.
	Settings sdk.Settings
	// Info is the connector's description from the registry.
	Info sdk.Info

	DeclRange      hcl.Range
	ConnectorRange hcl.Range
	// SettingRanges locates each setting's value.
	SettingRanges map[string]hcl.Range
}
