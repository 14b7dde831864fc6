// What every deploy renderer is: a view of the driver's events, writing to the CLI's streams.
import type { DeployEvent, Emit } from '../model/events.js';

export interface RenderIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly now: () => Date;
}

export interface Renderer {
  readonly emit: Emit<DeployEvent>;
  /** the driver returned (failure undefined) or threw: finish the view */
  end(failure?: unknown): Promise<void>;
}
