package elbctl

import (
	"github.com/spf13/cobra"
)

const completionLong = `Print a shell completion script for elbctl.

Completion covers commands, flags, the --output values and, where elbd is
reachable with the current credentials, load balancer names.`

const completionExample = `  # bash: load now, or install for every session
  source <(elbctl completion bash)
  elbctl completion bash > /etc/bash_completion.d/elbctl

  # zsh
  elbctl completion zsh > "${fpath[1]}/_elbctl"

  # fish
  elbctl completion fish > ~/.config/fish/completions/elbctl.fish`

// completionCmd is "elbctl completion bash|zsh|fish".
func (a *app) completionCmd() *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish",
		Short:     "Print a shell completion script",
		Long:      completionLong,
		Example:   completionExample,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(a.stdout, true)
			case "zsh":
				return root.GenZshCompletion(a.stdout)
			default:
				return root.GenFishCompletion(a.stdout, true)
			}
		},
	}
}
