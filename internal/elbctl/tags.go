package elbctl

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) tagsCmd() *cobra.Command {
	c := groupCmd("tags", "List, add and remove load balancer tags", "Tags: KEY=VALUE labels on load balancers.")
	c.Aliases = []string{"tag"}
	c.AddCommand(a.tagsListCmd(), a.tagsAddCmd(), a.tagsRemoveCmd())
	return c
}

func (a *app) tagsListCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "list BALANCER...",
		Aliases:           []string{"ls"},
		Short:             "List the tags of load balancers",
		Long:              "List the tags of one or more load balancers. JSON output maps each\nload balancer name to its tags.",
		Example:           "  elbctl tags list web\n  elbctl tags list web api -o json",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			all := map[string]map[string]string{}
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				for _, name := range args {
					tags, err := c.ListTags(ctx, name)
					if err != nil {
						return err
					}
					all[name] = tags
				}
				return nil
			})
			if err != nil {
				return err
			}
			t := &table{header: []string{"BALANCER", "KEY", "VALUE"}, empty: "No tags."}
			for _, name := range args {
				for _, k := range sortedKeys(all[name]) {
					t.add(name, k, all[name][k])
				}
			}
			return a.print(all, t)
		},
	}
}

func (a *app) tagsAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "add BALANCER KEY=VALUE...",
		Short:             "Add or overwrite tags on a load balancer",
		Long:              "Add tags to a load balancer, overwriting the value of keys it already\nhas. A bare KEY gets an empty value.",
		Example:           "  elbctl tags add web env=prod team=web",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			kvs, err := parseKeyValues("tag", args[1:], true)
			if err != nil {
				return err
			}
			tags := make(map[string]string, len(kvs))
			for _, kv := range kvs {
				tags[kv.Key] = kv.Value
			}
			err = a.call(cmd, func(ctx context.Context, c *client) error {
				return c.AddTags(ctx, args[0], tags)
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "added": tags}, "Tagged %s with %s.", args[0], formatTags(tags))
		},
	}
}

func (a *app) tagsRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "remove BALANCER KEY...",
		Aliases:           []string{"rm"},
		Short:             "Remove tags from a load balancer",
		Example:           "  elbctl tags remove web team",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				return c.RemoveTags(ctx, args[0], args[1:]...)
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "removed": args[1:]},
				"Removed tag(s) %s from %s.", strings.Join(args[1:], ", "), args[0])
		},
	}
}
