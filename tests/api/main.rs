//! Integration tests: the real server on port 0, real PostgreSQL, one fresh database per test.
//!
//! One test binary (modules below) so the private cluster and the migrated template are set up
//! once per run, and the crate is linked once.

mod smtp;
mod support;
mod yclient;

mod actors;
mod asking;
mod cli;
mod consent;
mod contract;
mod defences;
mod document;
mod editing;
mod events;
mod follow_up;
mod frozen_agenda;
mod fuzz;
mod live;
mod mail;
mod meetings;
mod membership;
mod openapi;
mod operations;
mod partners_time;
mod poll;
mod proof;
mod todo;
