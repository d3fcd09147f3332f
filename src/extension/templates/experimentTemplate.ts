// What `New Experiment…` writes: a small config that trains on two CPU cores in minutes, and a small
// GSM8K-format dataset (`{"question", "answer"}`, the answer ending in `#### <number>`) split into train
// and test files. The word problems are generated here from fixed templates (no data is copied).
// Pure: returns file contents; the command writes them.

export interface ExperimentFiles {
  /** Relative to the chosen folder. */
  configPath: string;
  trainPath: string;
  testPath: string;
  config: string;
  train: string;
  test: string;
}

/** A file-name-safe experiment name, or the reason it is not one. */
export function checkExperimentName(name: string): string | null {
  if (!name.trim()) return 'Give the experiment a name.';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name.trim()))
    return 'Use letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit.';
  return null;
}

const PEOPLE = ['Ana', 'Bo', 'Chen', 'Dara', 'Eli', 'Femi', 'Gus', 'Hana'];
const THINGS = ['apples', 'stamps', 'marbles', 'pencils', 'shells', 'cards'];

/** Problem k of the generated set: a two-step word problem with its worked answer. */
export function wordProblem(k: number): { question: string; answer: string } {
  const who = PEOPLE[k % PEOPLE.length];
  const what = THINGS[(k * 5 + 1) % THINGS.length];
  const a = 3 + ((k * 7) % 17);
  const b = 2 + ((k * 11) % 13);
  const c = 1 + ((k * 3) % Math.min(a + b - 1, 9));
  const total = a + b - c;
  return {
    question: `${who} has ${a} ${what}, gets ${b} more and then gives ${c} away. How many ${what} does ${who} have now?`,
    answer: `${who} has ${a} + ${b} = ${a + b} ${what} after getting more.\nAfter giving ${c} away, ${a + b} - ${c} = ${total}.\n#### ${total}`,
  };
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export function experimentTemplate(name: string, trainCount = 24, testCount = 8): ExperimentFiles {
  const trainPath = `data/${name}-train.jsonl`;
  const testPath = `data/${name}-test.jsonl`;
  const config = {
    name,
    seed: 0,
    task: { type: 'gsm8k', trainFile: trainPath, testFile: testPath, nTrain: trainCount, nTest: testCount },
    agents: { count: 2, models: ['tiny'], policySharing: 'shared' },
    discussion: { turns: 2 },
    generation: { maxNewTokens: 24, temperature: 1 },
    // Random tiny agents answer nothing right at first, so a learned verifier has nothing to learn from:
    // the template scores with the ground truth (the paper's verifier-free variant); switch to "learned"
    // with SFT-trained base agents.
    verifier: { type: 'ground-truth' },
    training: { mode: 'maporl', iterations: 20, questionsPerIteration: 4 },
    eval: { every: 5, questions: testCount },
    checkpoint: { every: 5 },
  };
  const problems = Array.from({ length: trainCount + testCount }, (_, k) => wordProblem(k));
  return {
    configPath: `${name}.maporl.json`,
    trainPath,
    testPath,
    config: JSON.stringify(config, null, 2) + '\n',
    train: jsonl(problems.slice(0, trainCount)),
    test: jsonl(problems.slice(trainCount)),
  };
}
