/**
 * T5 tokenization from the export's tokenizer.json. @huggingface/tokenizers is the tokenizer code
 * of transformers.js split into a zero-dependency package: it reads the same file (Unigram model,
 * Precompiled normalizer approximated by NFKC, WhitespaceSplit + Metaspace, `</s>` template), so
 * ids match what transformers.js feeds the same text encoder.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export interface TextTokens {
  ids: bigint[];
  /** 1 for every real token; the unconditional half of guidance gets zeros. */
  mask: bigint[];
}

export class T5Tokens {
  private readonly tokenizer: Tokenizer;
  private readonly maxTokens: number;

  constructor(tokenizerJson: object, tokenizerConfig: object, maxTokens = 256) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.maxTokens = maxTokens;
  }

  /** Ids end with `</s>`; over-long text is cut before it, as T5 truncation does. */
  encode(text: string): TextTokens {
    const ids: number[] = this.tokenizer.encode(text).ids;
    const eos = ids[ids.length - 1];
    const kept = ids.length > this.maxTokens ? [...ids.slice(0, this.maxTokens - 1), eos!] : ids;
    return { ids: kept.map((i) => BigInt(i)), mask: kept.map(() => 1n) };
  }

  tokens(text: string): string[] {
    return this.tokenizer.tokenize(text, { add_special_tokens: true });
  }
}
