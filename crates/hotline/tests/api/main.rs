//! Integration tests: the real router over HTTP on real databases.

#![expect(clippy::expect_used, reason = "the harness fails a test loudly when its setup fails")]

mod harness;

mod alerts;
mod audit;
mod auth;
mod bench;
mod briefings;
mod callcenter;
mod demo;
mod desk;
mod federation;
mod http;
mod jobs;
mod kb;
mod open311;
mod openapi;
mod orgs;
mod probes;
mod reference;
mod reports;
mod search;
mod stats;
mod suggest;
mod tickets;
mod tokens;
mod users;
mod webhooks;
