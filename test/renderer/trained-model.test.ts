// Settings > Face model (TrainedModelCard): a trained model folder is checked first, its validation
// figures shown beside the shipped model's, and only then chosen; the one in use can be left again.
// The api is a stand-in (the renderer test has no main process): the real channels are tested in
// test/integration/trained-model-selection.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, settle, testSettings } from './helpers';
import TrainedModelCard from '../../src/renderer/components/settings/TrainedModelCard.svelte';
import { i18n } from '../../src/renderer/lib/i18n.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { GalleryEncoderInfo, TrainedModelInfo } from '../../src/shared/face';

afterEach(() => i18n.setLocale('en'));

const info = (after = 0.996): TrainedModelInfo => ({
  id: 'mfn-foamliu+head-1a2b3c4d',
  dir: '/models/site',
  baseEncoder: 'mfn-foamliu',
  mode: 'head',
  people: 200,
  photos: 1000,
  epochs: 20,
  createdAt: '2026-12-01T10:00:00.000Z',
  validation: {
    pairs: 2364,
    before: { accuracy: 0.9941, auc: 0.9996, tarAtFar1e3: 0.989 },
    after: { accuracy: after, auc: 0.9997, tarAtFar1e3: after - 0.004 },
  },
});

function setup(inUse: TrainedModelInfo | null, inspect = ok(info()), settings = testSettings()) {
  const gallery: GalleryEncoderInfo = {
    galleryEncoder: inUse?.id ?? 'mfn-foamliu',
    defaultEncoder: inUse?.id ?? 'mfn-foamliu',
    withoutChips: 0,
    reembedded: 0,
    trainedModel: inUse,
    trainedModelError: null,
  };
  const set = vi.fn((patch: { trainedModel: string | null }) =>
    ok({ ...testSettings(), trainedModel: patch.trainedModel }),
  );
  const api = {
    engine: { status: vi.fn(() => ok({ state: 'ready', encoderId: gallery.galleryEncoder, gallery })) },
    models: { inspect: vi.fn(() => inspect) },
    settings: { set },
  } as unknown as Pick<PresenceApi, 'models' | 'settings' | 'engine'>;
  const onchanged = vi.fn();
  render(TrainedModelCard, { props: { api, settings, onchanged } });
  return { api, set, onchanged };
}

describe('Settings: the face model', () => {
  it('checks a folder, shows its figures beside the shipped model, and chooses it', async () => {
    const { api, set, onchanged } = setup(null);
    await settle();
    expect(screen.getByTestId('trained-model-in-use').textContent).toBe(
      'In use: the shipped face model (mfn-foamliu).',
    );
    await fireEvent.input(screen.getByTestId('trained-model-folder'), { target: { value: ' /models/site ' } });
    await fireEvent.submit(screen.getByTestId('trained-model-check').closest('form')!);
    await settle();
    expect(api.models.inspect).toHaveBeenCalledWith({ dir: '/models/site' });
    const rows = [...screen.getByTestId('trained-model-figures').querySelectorAll('tbody tr')].map((r) =>
      [...r.children].map((c) => c.textContent),
    );
    expect(rows).toEqual([
      ['Shipped model (mfn-foamliu)', '99.41 %', '0.9996', '98.90 %'],
      ['Trained model', '99.60 %', '0.9997', '99.20 %'],
    ]);
    expect(screen.getByTestId('trained-model-kind').textContent!.trim()).toBe(
      'What was trained: a projection head on top of the shipped face model.',
    );
    expect(screen.queryByTestId('trained-model-no-gain')).toBeNull();
    expect(screen.queryByTestId('trained-model-fixed-threshold')).toBeNull();
    await fireEvent.click(screen.getByTestId('trained-model-use'));
    await settle();
    expect(set).toHaveBeenCalledWith({ trainedModel: '/models/site' });
    expect(onchanged).toHaveBeenCalledWith(expect.objectContaining({ trainedModel: '/models/site' }));
  });

  it('warns when the model recognises no more than the shipped one, in English and Chinese', async () => {
    setup(null, ok({ ...info(0.985), mode: 'finetune' }));
    await settle();
    await fireEvent.input(screen.getByTestId('trained-model-folder'), { target: { value: '/models/site' } });
    await fireEvent.submit(screen.getByTestId('trained-model-check').closest('form')!);
    await settle();
    expect(screen.getByTestId('trained-model-no-gain').textContent).toMatch(/keep the shipped model/);
    i18n.setLocale('zh-CN');
    await settle();
    expect(screen.getByTestId('trained-model-no-gain').textContent).toMatch(/请继续使用随附模型/);
    expect(screen.getByTestId('trained-model-kind').textContent!.trim()).toBe(
      '训练内容：随附人脸模型的最后一级（微调）。',
    );
  });

  it('says which trained model is in use and goes back to the shipped one', async () => {
    const { set } = setup(info());
    await settle();
    expect(screen.getByTestId('trained-model-in-use').textContent).toBe(
      'In use: the trained model mfn-foamliu+head-1a2b3c4d.',
    );
    await fireEvent.click(screen.getByTestId('trained-model-shipped'));
    await settle();
    expect(set).toHaveBeenCalledWith({ trainedModel: null });
  });

  it('warns that a fixed threshold was chosen for the model in use', async () => {
    setup(null, ok(info()), { ...testSettings(), threshold: 0.95 });
    await settle();
    await fireEvent.input(screen.getByTestId('trained-model-folder'), { target: { value: '/models/site' } });
    await fireEvent.submit(screen.getByTestId('trained-model-check').closest('form')!);
    await settle();
    expect(screen.getByTestId('trained-model-fixed-threshold').textContent).toMatch(/fixed match threshold \(0\.950\)/);
  });

  it('shows the sentence of a folder that is not a model', async () => {
    setup(
      null,
      fail(
        'MODEL_MISSING',
        '/tmp holds no manifest.json: it is not a model folder written by presence train (check the path).',
      ),
    );
    await settle();
    await fireEvent.input(screen.getByTestId('trained-model-folder'), { target: { value: '/tmp' } });
    await fireEvent.submit(screen.getByTestId('trained-model-check').closest('form')!);
    await settle();
    expect(screen.getByRole('alert').textContent).toMatch(/holds no manifest\.json/);
    expect(screen.queryByTestId('trained-model-use')).toBeNull();
  });
});
