import { expect } from 'chai';
import { healthBudgetMs, parseContainerHealth } from '../../src/docker/health.js';

describe('container health as docker inspect tells it', function () {
  it('an own or image check: status, last check, timings with docker defaults', function () {
    const state = {
      Status: 'running',
      Health: {
        Status: 'starting',
        Log: [
          { ExitCode: 1, Output: 'first' },
          { ExitCode: 1, Output: "wget: can't connect\n" },
        ],
      },
    };
    const check = { Test: ['CMD-SHELL', 'x'], Interval: 2e9, Retries: 0 };
    expect(parseContainerHealth(`${JSON.stringify(state)}\n${JSON.stringify(check)}\n`)).to.deep.equal({
      status: 'running',
      health: 'starting',
      lastCheck: { exitCode: 1, output: "wget: can't connect\n" },
      check: { interval_seconds: 2, timeout_seconds: 30, retries: 3, start_period_seconds: 0 },
    });
  });
  it('no check (none, or NONE): no health, no timings', function () {
    expect(parseContainerHealth('{"Status":"running","Health":null}\nnull\n')).to.deep.equal({
      status: 'running',
    });
    expect(parseContainerHealth('{"Status":"exited"}\n{"Test":["NONE"]}\n')).to.deep.equal({
      status: 'exited',
    });
  });
  it('the wait: start period + retries x (interval + timeout) + margin', function () {
    expect(
      healthBudgetMs(
        { interval_seconds: 1, timeout_seconds: 2, retries: 3, start_period_seconds: 5 },
        10_000,
      ),
    ).to.equal(24_000);
  });
});
