//! Amont: a concertation-first meeting scheduler.
//!
//! The binary (`main.rs`) only parses the command line; everything else is here so that tests
//! start the real server. Layers, from the outside in: [`http`] (and `live` for websockets)
//! parse and authorize, [`domain`] decides, [`db`] stores, [`mail`] and [`calendar`] emit.

pub mod auth;
pub mod calendar;
pub mod config;
pub mod db;
pub mod demo;
pub mod document;
pub mod domain;
pub mod http;
pub mod jose;
pub mod live;
pub mod mail;
pub mod telemetry;
pub mod workflow;
